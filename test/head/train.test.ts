import { describe, expect, it } from 'vitest';
import { createRng, InvalidArgumentError, type ProgressEvent } from '../../src/core/index.js';
import { classificationReport, learningRateAt, predictHead, resolveClassWeights, softmax, trainLinearHead } from '../../src/head/index.js';

/** Two Gaussian blobs in 5-D, separated along the first axis by a margin (linearly separable). */
function blobs(n: number, seed: number): { features: Float32Array; labels: Int32Array } {
  const rng = createRng(seed);
  const features = new Float32Array(n * 5);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = i % 2;
    for (let d = 0; d < 5; d++) features[i * 5 + d] = 0.3 * rng.normal();
    features[i * 5] = (labels[i] ? 1.5 : -1.5) + 0.3 * Math.max(-2, Math.min(2, rng.normal()));
  }
  return { features, labels };
}

describe('learningRateAt (StepLR)', () => {
  it.each([[0, 0.005], [49, 0.005], [50, 0.0005], [99, 0.0005], [100, 0.00005]])('epoch %i -> %s', (epoch, lr) => {
    expect(learningRateAt(epoch, { lr: 0.005, stepEvery: 50, gamma: 0.1 })).toBeCloseTo(lr, 15);
  });

  it('is what the trainer records per epoch', () => {
    const { features, labels } = blobs(20, 1);
    const result = trainLinearHead(features, labels, { classes: ['a', 'b'], epochs: 101 });
    expect([result.history[49]!.lr, result.history[50]!.lr, result.history[100]!.lr].map((x) => +x.toPrecision(6))).toEqual([0.005, 0.0005, 0.00005]);
  });
});

describe('trainLinearHead', () => {
  it('reaches 100 % on a linearly separable toy and reports progress that never goes back', () => {
    const train = blobs(80, 2);
    const events: ProgressEvent[] = [];
    const { head } = trainLinearHead(train.features, train.labels, { classes: ['neg', 'pos'], epochs: 30, seed: 3, onProgress: (e) => events.push(e) });
    const test = blobs(60, 4);
    const report = classificationReport(softmax(predictHead(head, test.features), 2), test.labels, 2);
    expect(report.accuracy).toBe(1);
    expect(events.map((e) => e.done)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
  });

  it('is deterministic for a seed', () => {
    const { features, labels } = blobs(30, 5);
    const a = trainLinearHead(features, labels, { classes: ['a', 'b'], epochs: 5, seed: 7 });
    expect(trainLinearHead(features, labels, { classes: ['a', 'b'], epochs: 5, seed: 7 }).head).toEqual(a.head);
  });

  it('stops early and keeps the best validation weights', () => {
    const train = blobs(40, 6);
    // A validation set with flipped labels: its loss only grows as the head learns, so epoch 0 stays best.
    const validation = { features: blobs(20, 7).features, labels: blobs(20, 7).labels.map((l) => 1 - l) };
    const result = trainLinearHead(train.features, train.labels, { classes: ['a', 'b'], epochs: 100, lr: 0.05, patience: 3, validation });
    expect(result.stoppedEarly).toBe(true);
    expect(result.bestEpoch).toBe(0);
    expect(result.history.length).toBe(4);
    const bestLoss = Math.min(...result.history.map((h) => h.valLoss!));
    expect(result.history[0]!.valLoss).toBe(bestLoss);
  });

  it('weights classes by n / (K n_k) when balanced', () => {
    expect(Array.from(resolveClassWeights('balanced', Int32Array.from([0, 0, 0, 1]), 2))).toEqual([4 / 6, 2]);
    expect(Array.from(resolveClassWeights(null, Int32Array.from([0, 1]), 2))).toEqual([1, 1]);
  });

  it('rejects bad arguments with the documented error', () => {
    const { features, labels } = blobs(4, 1);
    expect(() => trainLinearHead(features, labels, { classes: ['a'] })).toThrow(InvalidArgumentError);
    expect(() => trainLinearHead(features.subarray(1), labels, { classes: ['a', 'b'] })).toThrow(/multiple of 4/);
    expect(() => trainLinearHead(features, Int32Array.from([0, 1, 2, 0]), { classes: ['a', 'b'] })).toThrow(/training label 2/);
    expect(() => trainLinearHead(features, labels, { classes: ['a', 'b'], classWeights: [1] })).toThrow(/2 class weights/);
  });
});
