import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../src/core/index.js';
import { benchTrain } from '../../src/bench/train.js';
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
