import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { InvalidArgumentError, ModelMismatchError } from '../../src/core/index.js';
import type { ParsedArgs } from '../../src/cli/command.js';
import { explainCommand } from '../../src/cli/commands/explain.js';
import { imageIds } from '../../src/pipeline/runs/index.js';
import { readFloatMap } from '../../src/data/index.js';
import { saveHead } from '../../src/head/index.js';
import { loadClassifier } from '../../src/pipeline/model/classifier.js';
import { blobImage, tinyHeadModel, writePng, writeTinyClassifierFiles } from '../helpers/explain-fixture.js';
import { fakeIo } from '../helpers/fake-io.js';

const args = (positionals: string[], values: ParsedArgs['values']): ParsedArgs => ({ positionals, values });

let dir: string;
let files: { weightsPath: string; headPath: string; sha256: string };

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'explainseg-explain-'));
  files = await writeTinyClassifierFiles(join(dir, 'model'));
  await writePng(join(dir, 'lesion.png'), blobImage(20, 24, 3));
  await writePng(join(dir, 'polyp.png'), blobImage(16, 12, 4));
  await writeFile(join(dir, 'broken.png'), 'this is not a PNG');
});

describe('loadClassifier', () => {
  it('attaches the head, takes the heads count from the head file and checks the backbone hash', async () => {
    const classifier = await loadClassifier({ weightsPath: files.weightsPath, headPath: files.headPath });
    expect(classifier.backboneSha256).toBe(files.sha256);
    expect(classifier.config).toMatchObject({ patchSize: 4, dim: 32, depth: 2, heads: 2 });
    expect([classifier.model.rows, classifier.model.classes]).toEqual([16, 2]);
    await classifier.model.dispose();
  });

  it('refuses a head trained on another backbone or for another input size', async () => {
    const otherHead = join(dir, 'model', 'other-head.json');
    await saveHead(otherHead, tinyHeadModel('f'.repeat(64)));
    await expect(loadClassifier({ weightsPath: files.weightsPath, headPath: otherHead })).rejects.toThrow(ModelMismatchError);
    await expect(loadClassifier({ weightsPath: files.weightsPath, headPath: files.headPath, inputSize: 32 })).rejects.toThrow(/input size 16 \(head\) vs 32/);
  });
});

describe('explainseg explain', () => {
  it('writes maps, overlays and predictions for good images, names the corrupt one and exits 1', async () => {
    const out = join(dir, 'run');
    const io = fakeIo();
    const images = ['lesion.png', 'broken.png', 'polyp.png'].map((name) => join(dir, name));
    const status = await explainCommand.run(args(images, {
      weights: files.weightsPath, head: files.headPath, out, 'n-steps': '4', 'nt-samples': '2', stdevs: '0.3', seed: '5',
    }), io);
    expect(status).toBe(1);
    expect(io.err()).toContain(`${join(dir, 'broken.png')}:`);
    expect(io.err()).toContain('1 of 3 image(s) failed');
    expect(io.out()).toMatch(/lesion: (benign|malignant) \(p=/);
    for (const stem of ['lesion', 'polyp']) {
      for (const suffix of ['prediction.json', 'relevance.png', 'relevance.f32', 'relevance.f32.json', 'feature.png', 'fused.png', 'fused.f32', 'relevance-heatmap.png', 'relevance-overlay.png', 'fused-overlay.png']) {
        expect(existsSync(join(out, `${stem}.${suffix}`)), `${stem}.${suffix}`).toBe(true);
      }
    }
    expect(existsSync(join(out, 'broken.prediction.json'))).toBe(false);
    const relevance = await readFloatMap(join(out, 'lesion.relevance.f32'));
    expect([relevance.rows, relevance.cols]).toEqual([20, 24]);
    expect(await sharp(join(out, 'polyp.fused-overlay.png')).metadata()).toMatchObject({ width: 12, height: 16 });
    const prediction = JSON.parse(readFileSync(join(out, 'lesion.prediction.json'), 'utf8'));
    expect(prediction.probabilities.reduce((a: number, b: number) => a + b, 0)).toBeCloseTo(1, 5);
    expect(prediction.convergence.deltas).toHaveLength(2);
    const run = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8'));
    expect(run).toMatchObject({ command: 'explainseg explain', seed: 5, config: { inputSize: 16, explain: { nSteps: 4, ntSamples: 2, stdevs: 0.3 } } });
    expect(run.weights.backbone).toBe(`sha256:${files.sha256}`);
    expect(Object.keys(run.inputs)).toEqual(['lesion', 'polyp']);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(summary.failures).toHaveLength(1);
  });

  it('gives the same relevance for the same seed', async () => {
    const run = async (out: string): Promise<Float32Array> => {
      const values = { weights: files.weightsPath, head: files.headPath, out, 'n-steps': '3', 'nt-samples': '2', seed: '9' };
      expect(await explainCommand.run(args([join(dir, 'polyp.png')], values), fakeIo())).toBe(0);
      return (await readFloatMap(join(out, 'polyp.relevance.f32'))).data;
    };
    expect(Array.from(await run(join(dir, 'seed-a')))).toEqual(Array.from(await run(join(dir, 'seed-b'))));
  });

  it('rejects bad flags naming the flag, and a run without images', async () => {
    const base = { weights: files.weightsPath, head: files.headPath, out: join(dir, 'bad') };
    await expect(explainCommand.run(args([join(dir, 'polyp.png')], { ...base, method: 'simpson' }), fakeIo())).rejects.toThrow(/for --method but received 'simpson'/);
    await expect(explainCommand.run(args([join(dir, 'polyp.png')], { ...base, 'n-steps': '0' }), fakeIo())).rejects.toThrow(/for --n-steps/);
    await expect(explainCommand.run(args([], base), fakeIo())).rejects.toThrow(InvalidArgumentError);
  });

  it('prints the image warnings (tiny, transparent) on stderr and composites transparency onto black', async () => {
    const path = join(dir, 'tiny-rgba.png');
    await sharp(Uint8Array.from({ length: 4 * 4 * 4 }, (_, i) => (i % 4 === 3 ? (i < 32 ? 0 : 255) : 200)), { raw: { width: 4, height: 4, channels: 4 } }).png().toFile(path);
    const io = fakeIo();
    const values = { weights: files.weightsPath, head: files.headPath, out: join(dir, 'warned'), 'n-steps': '2', 'nt-samples': '0' };
    expect(await explainCommand.run(args([path], values), io)).toBe(0);
    expect(io.err()).toContain(`explainseg explain: warning: ${path}: 4 x 4 pixels is smaller than 8 on a side`);
    expect(io.err()).toContain(`explainseg explain: warning: ${path}: 8 of 16 pixels (50.0%) are transparent or partly transparent; composited onto black`);
  });

  it('makes stems unique', () => {
    expect(imageIds(['a/x.png', 'b/x.jpg', 'c/y.tif'])).toEqual(['x', 'x-2', 'y']);
  });
});
