import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { type ProgressEvent } from '../../../src/core/index.js';
import { loadGeneric, type Dataset } from '../../../src/data/index.js';
import { trainClassifier, type FeatureExtractor } from '../../../src/pipeline/training/train-classifier.js';
import { makeTempDir, writeSolid } from '../../data/synthetic.js';

const SHA = '0f'.repeat(32);
const SIZE = 8;

/** Hand-written extractor: the mean of each normalised channel, so a red/blue split is linearly separable. */
function channelMeans(calls: number[]): FeatureExtractor {
  return async (batch, n) => {
    calls.push(n);
    expect(batch.length).toBe(n * 3 * SIZE * SIZE);
    const out = new Float32Array(n * 3);
    for (let b = 0; b < n; b++) {
      for (let c = 0; c < 3; c++) {
        let sum = 0;
        for (let i = 0; i < SIZE * SIZE; i++) sum += batch[(b * 3 + c) * SIZE * SIZE + i]!;
        out[b * 3 + c] = sum / (SIZE * SIZE);
      }
    }
    return out;
  };
}

let dataset: Dataset;
beforeAll(async () => {
  const root = await makeTempDir('train-classifier-');
  for (let i = 0; i < 12; i++) {
    await writeSolid(join(root, 'blue', `b${i}.png`), 12, 10, [20 + 5 * i, 40, 180]);
    await writeSolid(join(root, 'red', `r${i}.png`), 12, 10, [180, 40, 20 + 5 * i]);
  }
  dataset = await loadGeneric(root);
});

describe('trainClassifier', () => {
  it('splits, normalises on train, extracts in batches, trains and evaluates', async () => {
    const calls: number[] = [];
    const events: ProgressEvent[] = [];
    const result = await trainClassifier(dataset, {
      extractFeatures: channelMeans(calls), featureDim: 3, inputSize: SIZE, batchSize: 5, seed: 2,
      backbone: { sha256: SHA, config: { name: 'toy' } }, split: { seed: 2, fractions: { train: 0.5, val: 0.25, test: 0.25 } },
      head: { epochs: 40, lr: 0.05 }, onProgress: (event) => events.push(event),
    });
    expect(result.split.train.length + result.split.val.length + result.split.test.length).toBe(24);
    expect(calls.every((n) => n <= 5)).toBe(true);
    expect(calls.reduce((a, b) => a + b, 0)).toBe(24);
    expect(result.report!.accuracy).toBe(1);
    expect(result.testReport!.accuracy).toBe(1);
    // Solid images stay solid after resizing, so the mean of red over the train part is its 8-bit mean.
    const trainRed = result.split.train.map((item) => (item.label === 0 ? 20 + 5 * Number(item.id.slice(6)) : 180) / 255);
    expect(result.head.normalisation.mean[0]).toBeCloseTo(trainRed.reduce((a, b) => a + b, 0) / trainRed.length, 3);
    expect(result.head).toMatchObject({ inputSize: SIZE, featureKind: 'cls', backbone: { sha256: SHA } });
    for (const stage of ['normalisation', 'features', 'train-head']) {
      const done = events.filter((e) => e.stage === stage).map((e) => e.done);
      expect(done.length).toBeGreaterThan(0);
      expect(done).toEqual([...done].sort((a, b) => a - b));
      expect(done.at(-1)).toBe(events.find((e) => e.stage === stage)!.total);
    }
    expect(Object.keys(result.timings).sort()).toEqual(['evaluate', 'features', 'normalisation', 'split', 'train']);
  });

  it('extracts one augmented copy of the training part per augmentation epoch', async () => {
    const calls: number[] = [];
    const split = { train: dataset.items.slice(0, 16), val: dataset.items.slice(16, 20), test: [] };
    const result = await trainClassifier(dataset, {
      extractFeatures: channelMeans(calls), featureDim: 3, inputSize: SIZE, augmentEpochs: 3, seed: 1,
      backbone: { sha256: SHA, config: null }, split, head: { epochs: 5 },
    });
    expect(calls.reduce((a, b) => a + b, 0)).toBe(16 * 3 + 4);
    expect(result.testReport).toBeNull();
    expect(result.training.history.length).toBeGreaterThan(0);
  });

  it('rejects an extractor that returns the wrong number of values', async () => {
    await expect(trainClassifier(dataset, {
      extractFeatures: async (_batch, n) => new Float32Array(n * 2), featureDim: 3, inputSize: SIZE, backbone: { sha256: SHA, config: null },
    })).rejects.toThrow(/extracted features/);
  });
});
