import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../src/core/index.js';
import { benchFinetune, benchTrain } from '../../src/bench/train.js';
import { makeTempDir, writePixels, writeRectMask } from '../data/synthetic.js';
import { writeTinyVitSafetensors } from '../helpers/tiny-vit-weights.js';

/** A Kvasir-SEG-shaped folder: 32x32 frames whose left half is a bright "polyp", with its mask. */
async function writeKvasirLike(root: string, frames: number): Promise<void> {
  for (let f = 0; f < frames; f++) {
    const pixels = new Uint8Array(32 * 32 * 3);
    for (let y = 0; y < 32; y++) for (let x = 0; x < 32; x++) pixels.set(x < 16 ? [220, 120 + 5 * f, 90] : [60, 30, 40 + 5 * f], (y * 32 + x) * 3);
    await writePixels(join(root, 'images', `frame${f}.jpg`), pixels, { rows: 32, cols: 32, channels: 3 });
    await writeRectMask(join(root, 'masks', `frame${f}.jpg`), 32, 32, { top: 0, left: 0, rows: 32, cols: 16 });
  }
}

let dataRoot: string;
let weightsPath: string;
beforeAll(async () => {
  dataRoot = await makeTempDir('bench-train-data-');
  await writeKvasirLike(dataRoot, 8);
  weightsPath = await writeTinyVitSafetensors(join(dataRoot, 'tiny.safetensors'));
});

describe('benchTrain', () => {
  it('uses exactly the requested number of patches and reports consistent timings and metrics', async () => {
    const outDir = join(await makeTempDir('bench-train-out-'), 'run');
    const result = await benchTrain({ weightsPath, dataRoot, patches: 60, epochs: 30, outDir });
    // 8 frames x 16 patches of 8 px, half of them polyp: 128 balanced patches, 60 kept.
    expect(result.patches).toBe(60);
    expect(result.inputSize).toBe(16);
    expect(result.featureSecondsTotal).toBeGreaterThan(0);
    expect(result.msPerPatch).toBeCloseTo((1000 * result.featureSecondsTotal) / 60, 6);
    expect(result.totalSeconds).toBeGreaterThanOrEqual(result.featureSecondsTotal + result.trainSeconds);
    expect(result.epochsRun).toBeGreaterThan(0);
    expect(result.epochsRun).toBeLessThanOrEqual(30);
    expect(result.valAccuracy).toBeGreaterThanOrEqual(0.9);
    expect(result.peakRssMB).toBeGreaterThan(0);
    expect(existsSync(join(outDir, 'head.json')) && existsSync(join(outDir, 'run.json'))).toBe(true);
    expect(() => JSON.stringify(result)).not.toThrow();
  });

  it('rejects a patch count below 10', async () => {
    await expect(benchTrain({ weightsPath, dataRoot, patches: 3 })).rejects.toBeInstanceOf(InvalidArgumentError);
  });
});

/** Debian's python3-torch, which the PyTorch side of the fine-tuning benchmark needs. */
const hasTorch = ((): boolean => {
  try {
    execFileSync('/usr/bin/python3', ['-c', 'import torch, numpy'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describe('benchFinetune', () => {
  it('times one fine-tuning epoch over the requested patches', async () => {
    const result = await benchFinetune({ weightsPath, dataRoot, patches: 24, blocks: 1, batch: 8, threads: 1 });
    expect(result).toMatchObject({ patches: 24, blocks: 1, batch: 8, threads: 1, inputSize: 16 });
    expect(result.finetuneSecondsPerEpoch).toBeGreaterThan(0);
    expect(result.msPerPatch).toBeCloseTo((1000 * result.finetuneSecondsPerEpoch) / 24, 6);
    expect(result.firstBatchLoss).toBeGreaterThan(0);
    expect(result.pytorchSecondsPerEpoch).toBeUndefined();
  });

  // The same epoch in PyTorch 1.13 (scripts/finetune-pytorch.py): the first batch's loss before any update
  // agrees to float32 rounding, and so does the mean loss over the epoch's SGD steps (gradients, clipping and
  // momentum all enter it), which shows both sides train the same model on the same data.
  it.skipIf(!hasTorch)('runs the same epoch in PyTorch with the same weights, data and head (needs /usr/bin/python3 with torch)', async () => {
    const result = await benchFinetune({ weightsPath, dataRoot, patches: 24, blocks: 2, batch: 8, threads: 1, comparePytorch: true, pytorchBatches: 0 });
    expect(result.pytorch).toMatchObject({ timedBatches: 3, batchesPerEpoch: 3 });
    expect(Math.abs(result.pytorch!.firstBatchLoss - result.firstBatchLoss)).toBeLessThan(1e-5);
    expect(Math.abs(result.pytorch!.meanLoss - result.meanLoss)).toBeLessThan(1e-4);
    expect(result.ratioToPytorch).toBeCloseTo(result.finetuneSecondsPerEpoch / result.pytorchSecondsPerEpoch!, 9);
  });
});
