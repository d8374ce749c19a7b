import { readFileSync, writeFileSync } from 'node:fs';
import { copyFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { VitModel } from '../../../src/backbone/vit-model.js';
import { loadWeights } from '../../../src/backbone/index.js';
import { InputFileError, ModelMismatchError } from '../../../src/core/index.js';
import { loadHead } from '../../../src/head/index.js';
import {
  FINETUNED_BLOCKS_FILE, loadClassifier, loadFinetunedBlocks, withClassifier, withFinetunedTensors,
} from '../../../src/pipeline/model/index.js';
import { trainHeadOnDataset, type TrainHeadRun } from '../../../src/pipeline/training/index.js';
import { writeTrainingRun } from '../../../src/pipeline/runs/index.js';
import { makeTempDir, writeSolid } from '../../data/synthetic.js';
import { writeTinyVitSafetensors } from '../../helpers/tiny-vit-weights.js';

// A head fine-tuned with the last block of the tiny ViT is written as head.json + finetuned-blocks.safetensors;
// loadClassifier must put those blocks into the base weights (its logits are those of the fine-tuned model,
// not of the base), and refuse other base weights, other blocks and a missing blocks file.
const sha256 = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');

let weights: string;
let otherWeights: string;
let outDir: string;
let run: TrainHeadRun;
beforeAll(async () => {
  const dataRoot = await makeTempDir('finetuned-head-data-');
  for (let i = 0; i < 6; i++) {
    await writeSolid(join(dataRoot, 'dark', `d${i}.png`), 20, 24, [30 + 8 * i, 40, 60]);
    await writeSolid(join(dataRoot, 'light', `l${i}.png`), 20, 24, [210, 170 + 8 * i, 150]);
  }
  const weightsDir = await makeTempDir('finetuned-head-weights-');
  weights = await writeTinyVitSafetensors(join(weightsDir, 'tiny.safetensors'), 0);
  otherWeights = await writeTinyVitSafetensors(join(weightsDir, 'other.safetensors'), 1);
  outDir = join(await makeTempDir('finetuned-head-out-'), 'run');
  run = await trainHeadOnDataset({
    dataset: 'generic', dataRoot, weightsPath: weights, featureKind: 'cls', augmentEpochs: 0, seed: 2, epochs: 3, batchSize: 4, lr: 0.05, threads: 1,
    finetune: { blocks: 1, minEpochs: 3 },
  }, undefined, { checkpointDir: outDir });
  await writeTrainingRun(outDir, run);
});

/** Logits of the 2 x 16 x 16 test batch. */
const pixels = Float32Array.from({ length: 2 * 3 * 16 * 16 }, (_, i) => Math.sin(i / 7));

describe('a head with fine-tuned blocks', () => {
  it('is saved as head.json (version 2, naming the blocks file and its SHA-256) beside the blocks, with the base SHA-256 inside them', async () => {
    const head = await loadHead(join(outDir, 'head.json'));
    const blocksPath = join(outDir, FINETUNED_BLOCKS_FILE);
    expect(head.finetuned).toEqual({ blocks: 1, file: FINETUNED_BLOCKS_FILE, sha256: sha256(blocksPath) });
    expect(JSON.parse(readFileSync(join(outDir, 'head.json'), 'utf8')).version).toBe(2);
    const blocks = await loadFinetunedBlocks(blocksPath, { sha256: sha256(blocksPath), baseSha256: sha256(weights) });
    expect(blocks.blocks).toBe(1);
    expect([...blocks.tensors.keys()].sort()).toEqual([...run.result.finetuned!.tensors.keys()].sort());
    for (const [name, tensor] of run.result.finetuned!.tensors) expect(blocks.tensors.get(name)!.data).toEqual(tensor.data);
  });

  it('is loaded with its blocks by loadClassifier: the logits of the fine-tuned model, not of the base', async () => {
    const head = await loadHead(join(outDir, 'head.json'));
    const base = await loadWeights(weights);
    const linear = { weight: head.head.weight, bias: head.head.bias, features: 'cls' as const };
    const logitsOf = async (model: VitModel): Promise<Float32Array> => {
      try {
        return (await model.forward(pixels, 2, ['logits'])).logits!;
      } finally {
        await model.dispose();
      }
    };
    // The config inferred from the weights (as training and loadClassifier infer it: heads = dim / 64).
    const config = run.backbone.config;
    const tuned = await logitsOf(await VitModel.create(withFinetunedTensors(base.stateDict, run.result.finetuned!.tensors, 'run'), config, { head: linear, threads: 1 }));
    const frozen = await logitsOf(await VitModel.create(base.stateDict, config, { head: linear, threads: 1 }));
    const loaded = await withClassifier({ weightsPath: weights, headPath: join(outDir, 'head.json'), threads: 1 }, async ({ model }) => (await model.forward(pixels, 2, ['logits'])).logits!);
    expect(Array.from(loaded)).toEqual(Array.from(tuned));
    expect(Math.max(...Array.from(loaded, (v, i) => Math.abs(v - frozen[i]!)))).toBeGreaterThan(1e-4);
  });

  it('refuses other base weights with a ModelMismatchError naming both SHA-256s', async () => {
    const attempt = loadClassifier({ weightsPath: otherWeights, headPath: join(outDir, 'head.json') });
    await expect(attempt).rejects.toBeInstanceOf(ModelMismatchError);
    await expect(attempt).rejects.toThrow(new RegExp(`${sha256(weights)}[\\s\\S]*${sha256(otherWeights)}`));
  });

  it('refuses blocks fine-tuned from another base even when head.json was edited to the other base', async () => {
    const dir = await makeTempDir('finetuned-head-edited-');
    const json = JSON.parse(readFileSync(join(outDir, 'head.json'), 'utf8'));
    json.backbone.sha256 = sha256(otherWeights);
    writeFileSync(join(dir, 'head.json'), JSON.stringify(json));
    await copyFile(join(outDir, FINETUNED_BLOCKS_FILE), join(dir, FINETUNED_BLOCKS_FILE));
    const attempt = loadClassifier({ weightsPath: otherWeights, headPath: join(dir, 'head.json') });
    await expect(attempt).rejects.toBeInstanceOf(ModelMismatchError);
    await expect(attempt).rejects.toThrow(`expected base weights with SHA-256 ${sha256(weights)}`);
    await expect(attempt).rejects.toThrow(`but received weights with SHA-256 ${sha256(otherWeights)}`);
  });

  it('refuses a blocks file that is not the one head.json names, and says when it is missing', async () => {
    const dir = await makeTempDir('finetuned-head-swapped-');
    await copyFile(join(outDir, 'head.json'), join(dir, 'head.json'));
    await expect(loadClassifier({ weightsPath: weights, headPath: join(dir, 'head.json') })).rejects.toThrow(InputFileError);
    await expect(loadClassifier({ weightsPath: weights, headPath: join(dir, 'head.json') })).rejects.toThrow(/the head was fine-tuned with these blocks and needs them/);
    const bytes = readFileSync(join(outDir, FINETUNED_BLOCKS_FILE));
    bytes[bytes.length - 1] ^= 1;
    writeFileSync(join(dir, FINETUNED_BLOCKS_FILE), bytes);
    const attempt = loadClassifier({ weightsPath: weights, headPath: join(dir, 'head.json') });
    await expect(attempt).rejects.toBeInstanceOf(ModelMismatchError);
    await expect(attempt).rejects.toThrow(/expected fine-tuned blocks with SHA-256 [0-9a-f]{64} \(recorded in the head\) for .* but received a file with SHA-256/);
  });

  it('writes the learning curves beside report.md and shows them there', () => {
    const svg = readFileSync(join(outDir, 'learning-curves.svg'), 'utf8');
    expect(svg.startsWith('<svg')).toBe(true);
    const series = [...svg.matchAll(/data-series="([^"]+)"[^>]*points="([^"]+)"/g)].map((m) => [m[1], m[2]!.split(' ').length]);
    expect(series).toEqual([['train loss', 3], ['validation loss', 3], ['validation ROC AUC', 3]]);
    expect(readFileSync(join(outDir, 'report.md'), 'utf8')).toContain('](learning-curves.svg)');
    expect(readFileSync(join(outDir, 'report.md'), 'utf8')).toMatch(/last 1 block\(s\) and the final norm fine-tuned/);
  });
});
