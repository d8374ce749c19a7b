import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createRng, InvalidArgumentError, type ProgressEvent } from '../../../src/core/index.js';
import { loadGeneric, type Dataset } from '../../../src/data/index.js';
import {
  CHECKPOINT_FILE, finetuneClassifier, readCheckpoint, resolveFinetuneRecipe,
  type FinetuneClassifierOptions, type FinetuneClassifierResult,
} from '../../../src/pipeline/training/index.js';
import { makeTempDir, writePixels } from '../../data/synthetic.js';
import { TINY_VIT, tinyVitStateDict } from '../../helpers/tiny-vit-weights.js';

// Fine-tuning the last block of the tiny ViT (16x16 input, depth 2) on 20 generated images for 4 epochs,
// with augmentation on (so the per-epoch random streams matter): a run stopped after epoch 2, or in the
// middle of epoch 3, and then resumed from its checkpoint must end with the same bytes in every trained
// tensor, the same head and the same history as a run that was never stopped.
const SETTINGS = { dataset: 'generic', note: 'resume test' };

/** Two classes of 20 x 24 noisy images, dark and light, each pixel drawn from a seeded generator. */
async function writeNoisyClasses(root: string): Promise<void> {
  const rng = createRng(11);
  for (const [name, base] of [['dark', 60], ['light', 180]] as const) {
    for (let i = 0; i < 10; i++) {
      const pixels = Uint8Array.from({ length: 20 * 24 * 3 }, () => Math.max(0, Math.min(255, Math.round(base + 50 * rng.normal()))));
      await writePixels(join(root, name, `${name}${i}.png`), pixels, { rows: 20, cols: 24, channels: 3 });
    }
  }
}

let dataset: Dataset;
beforeAll(async () => {
  const root = await makeTempDir('finetune-resume-');
  await writeNoisyClasses(root);
  dataset = await loadGeneric(root);
});

async function options(dir: string, extra: Partial<FinetuneClassifierOptions> = {}): Promise<FinetuneClassifierOptions> {
  return {
    stateDict: tinyVitStateDict(4), config: TINY_VIT, baseSha256: '0f'.repeat(32), inputSize: 16, seed: 5, threads: 1,
    recipe: resolveFinetuneRecipe({ blocks: 1, epochs: 4, batchSize: 4, lr: 0.05, minEpochs: 4 }, TINY_VIT.depth),
    checkpoint: { path: join(dir, CHECKPOINT_FILE), settings: SETTINGS },
    ...extra,
  };
}

/** Aborts the run when an event matches. */
function abortWhen(match: (event: ProgressEvent) => boolean): Pick<FinetuneClassifierOptions, 'signal' | 'onProgress'> {
  const controller = new AbortController();
  return { signal: controller.signal, onProgress: (event) => (match(event) ? controller.abort() : undefined) };
}

function expectSameResult(resumed: FinetuneClassifierResult, reference: FinetuneClassifierResult): void {
  expect([...resumed.finetuned.tensors.keys()]).toEqual([...reference.finetuned.tensors.keys()]);
  for (const [name, tensor] of reference.finetuned.tensors) {
    expect(Buffer.from(resumed.finetuned.tensors.get(name)!.data.buffer).equals(Buffer.from(tensor.data.buffer)), name).toBe(true);
  }
  expect(Buffer.from(resumed.head.head.weight.buffer).equals(Buffer.from(reference.head.head.weight.buffer))).toBe(true);
  expect(Array.from(resumed.head.head.bias)).toEqual(Array.from(reference.head.head.bias));
  const withoutTime = (result: FinetuneClassifierResult) => result.training.history.map(({ seconds: _seconds, ...record }) => record);
  expect(withoutTime(resumed)).toEqual(withoutTime(reference));
  expect(resumed.training.bestEpoch).toBe(reference.training.bestEpoch);
}

let reference: FinetuneClassifierResult;
beforeAll(async () => {
  reference = await finetuneClassifier(dataset, await options(await makeTempDir('finetune-reference-')));
});

describe('fine-tuning resumes after a kill with identical weights', () => {
  it('trains and changes the block: the reference run is not trivially equal to its start', () => {
    expect(reference.training.history).toHaveLength(4);
    expect(reference.resumedFrom).toBe(0);
    const start = tinyVitStateDict(4).get('blocks.1.attn.qkv.weight')!.data;
    expect(reference.finetuned.tensors.get('blocks.1.attn.qkv.weight')!.data).not.toEqual(start);
    expect([...reference.finetuned.tensors.keys()].every((name) => name.startsWith('blocks.1.') || name.startsWith('norm.'))).toBe(true);
  });

  it('stopped after epoch 2 and resumed: the same bytes as the uninterrupted run', async () => {
    const dir = await makeTempDir('finetune-killed-');
    const stop = abortWhen((event) => event.stage === 'fine-tune' && event.done === 2);
    await expect(finetuneClassifier(dataset, await options(dir, stop))).rejects.toThrow(/abort/i);
    const checkpoint = await readCheckpoint(join(dir, CHECKPOINT_FILE));
    expect(checkpoint).toMatchObject({ epochsDone: 2, finished: false, rng: { seed: 5, nextEpoch: 2 } });
    expect(checkpoint!.optimizer.steps).toBeGreaterThan(0);
    const resumed = await finetuneClassifier(dataset, await options(dir));
    expect(resumed.resumedFrom).toBe(2);
    expectSameResult(resumed, reference);
  });

  it('stopped in the middle of epoch 3 and resumed: that epoch is redone from the checkpoint of epoch 2, same bytes', async () => {
    const dir = await makeTempDir('finetune-killed-mid-');
    const stop = abortWhen((event) => event.stage === 'fine-tune epoch 3' && event.done >= 4 && event.done < event.total);
    await expect(finetuneClassifier(dataset, await options(dir, stop))).rejects.toThrow(/abort/i);
    expect((await readCheckpoint(join(dir, CHECKPOINT_FILE)))!.epochsDone).toBe(2);
    const resumed = await finetuneClassifier(dataset, await options(dir));
    expect(resumed.resumedFrom).toBe(2);
    expectSameResult(resumed, reference);
  });

  it('refuses a checkpoint written under other settings instead of mixing two runs', async () => {
    const dir = await makeTempDir('finetune-other-');
    await finetuneClassifier(dataset, await options(dir, { recipe: resolveFinetuneRecipe({ blocks: 1, epochs: 1, batchSize: 4 }, TINY_VIT.depth), checkpoint: { path: join(dir, CHECKPOINT_FILE), settings: { other: true } } }));
    expect(existsSync(join(dir, CHECKPOINT_FILE))).toBe(true);
    const attempt = finetuneClassifier(dataset, await options(dir));
    await expect(attempt).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(attempt).rejects.toThrow(/expected a checkpoint of this run's settings and weights .* but received 'identity/);
  });
});
