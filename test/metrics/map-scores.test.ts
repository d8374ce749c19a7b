import { describe, expect, it } from 'vitest';
import { createMask, createRng, createScalarMap, InvalidArgumentError, SizeMismatchError, type Mask, type ScalarMap } from '../../src/core/index.js';
import { MapScoreMetrics, pointingGame, mapRocAuc, SegmentationMetrics } from '../../src/metrics/index.js';

const mapOf = (values: number[], cols = values.length): ScalarMap => createScalarMap(values.length / cols, cols, Float32Array.from(values));
const maskOf = (bits: number[], cols = bits.length): Mask => createMask(bits.length / cols, cols, Uint8Array.from(bits));

/** The definition, pair by pair: P(foreground > background) + P(tie) / 2. */
function aucByPairs(map: ScalarMap, gt: Mask): number {
  let wins = 0;
  let pairs = 0;
  for (let i = 0; i < gt.data.length; i++) {
    if (!gt.data[i]) continue;
    for (let j = 0; j < gt.data.length; j++) {
      if (gt.data[j]) continue;
      pairs++;
      wins += map.data[i]! > map.data[j]! ? 1 : map.data[i] === map.data[j] ? 0.5 : 0;
    }
  }
  return wins / pairs;
}

describe('mapRocAuc, hand-computed table', () => {
  // map, mask, AUC (pairs counted by hand)
  const table: Array<[string, number[], number[], number]> = [
    ['one pair misordered', [0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1], 3 / 4],
    ['perfect ranking', [0, 0.2, 0.7, 0.9], [0, 0, 1, 1], 1],
    ['inverted ranking', [0.9, 0.7, 0.2, 0], [0, 0, 1, 1], 0],
    ['constant map: all ties', [3, 3, 3, 3, 3], [0, 1, 0, 1, 1], 0.5],
    ['one tie across the classes', [0, 1, 1, 2], [0, 1, 0, 1], 3.5 / 4],
    ['ties inside each class only', [5, 5, 1, 1, 1], [1, 1, 0, 0, 0], 1],
    ['one foreground pixel in the middle', [1, 2, 3, 4, 5], [0, 0, 1, 0, 0], 2 / 4],
  ];
  it.each(table)('%s', (_name, values, bits, expected) => {
    expect(mapRocAuc(mapOf(values), maskOf(bits))).toBeCloseTo(expected, 12);
  });

  it('equals the pair-by-pair definition on random maps with many ties, and AUC(-map) = 1 - AUC', () => {
    const rng = createRng(7);
    for (let k = 0; k < 40; k++) {
      const map = mapOf(Array.from({ length: 48 }, () => rng.int(5)), 8);
      const gt = maskOf(Array.from({ length: 48 }, () => (rng.next() < 0.3 ? 1 : 0)), 8);
      if (gt.data.every((v) => v === 0) || gt.data.every((v) => v === 1)) continue;
      const auc = mapRocAuc(map, gt);
      expect(auc).toBeCloseTo(aucByPairs(map, gt), 12);
      expect(mapRocAuc(mapOf(Array.from(map.data, (v) => -v), 8), gt)).toBeCloseTo(1 - auc, 12);
    }
  });

  it('is NaN for an empty or a full mask (no pair to rank), whatever the map', () => {
    expect(mapRocAuc(mapOf([1, 2, 3, 4]), maskOf([0, 0, 0, 0]))).toBeNaN();
    expect(mapRocAuc(mapOf([1, 2, 3, 4]), maskOf([1, 1, 1, 1]))).toBeNaN();
  });

  it('throws SizeMismatchError for a map of another size and InvalidArgumentError for a NaN pixel', () => {
    expect(() => mapRocAuc(mapOf([1, 2, 3, 4], 2), maskOf([0, 1, 0, 1]))).toThrow(SizeMismatchError);
    expect(() => mapRocAuc(mapOf([1, 2, 3, 4], 2), maskOf([0, 1, 0, 1]))).toThrow(/expected 1x4 for the map to score \(ground-truth size\) but received 2x2/);
    expect(() => mapRocAuc(mapOf([1, Number.NaN, 3, 4]), maskOf([0, 1, 0, 1]))).toThrow(InvalidArgumentError);
  });
});

describe('pointingGame', () => {
  const table: Array<[string, number[], number[], number]> = [
    ['peak on the lesion', [0.1, 0.9, 0.3, 0.2], [0, 1, 1, 0], 1],
    ['peak off the lesion', [0.9, 0.1, 0.3, 0.2], [0, 1, 1, 0], 0],
    ['two tied peaks, one on the lesion', [0.1, 0.9, 0.9, 0.2], [0, 1, 0, 0], 0.5],
    ['constant map scores the foreground fraction', [2, 2, 2, 2], [1, 0, 0, 0], 0.25],
    ['full mask', [1, 2, 3, 4], [1, 1, 1, 1], 1],
  ];
  it.each(table)('%s', (_name, values, bits, expected) => {
    expect(pointingGame(mapOf(values), maskOf(bits))).toBeCloseTo(expected, 12);
  });

  it('is NaN for an empty mask and throws for a map of another size', () => {
    expect(pointingGame(mapOf([1, 2]), maskOf([0, 0]))).toBeNaN();
    expect(() => pointingGame(mapOf([1, 2, 3, 4], 2), maskOf([0, 1, 0, 1]))).toThrow(SizeMismatchError);
  });
});

describe('MapScoreMetrics', () => {
  it('reduces a hand-computed set: means over the images where a score is defined', () => {
    const m = new MapScoreMetrics({ bootstrapResamples: 0 });
    m.add(mapOf([0.1, 0.4, 0.35, 0.8]), maskOf([0, 0, 1, 1]), 'a');
    m.add(mapOf([0.9, 0.1, 0.2, 0.3]), maskOf([0, 1, 0, 0]), 'b');
    m.add(mapOf([1, 2, 3, 4]), maskOf([0, 0, 0, 0]), 'healthy');
    m.add(mapOf([1, 2, 3, 4]), maskOf([1, 1, 1, 1]), 'full');
    const r = m.result();
    expect([r.images, r.scoredAuc, r.scoredPointing]).toEqual([4, 2, 3]);
    expect(r.meanAuc).toBeCloseTo((0.75 + 0) / 2, 12);
    expect(r.meanPointing).toBeCloseTo((1 + 0 + 1) / 3, 12);
    expect(r.rows.map((row) => row.gtFraction)).toEqual([0.5, 0.25, 0, 1]);
    expect(r.intervals).toBeNull();
  });

  it('gives seeded bootstrap intervals that bracket the mean and repeat for the same seed', () => {
    const run = (seed: number) => {
      const m = new MapScoreMetrics({ bootstrapResamples: 400, seed });
      const rng = createRng(3);
      for (let k = 0; k < 25; k++) {
        const gt = maskOf(Array.from({ length: 36 }, (_, i) => (i % 6 < 3 ? 1 : 0)), 6);
        m.add(mapOf(Array.from({ length: 36 }, (_, i) => (i % 6 < 3 ? 0.3 : 0) + rng.next()), 6), gt);
      }
      return m.result();
    };
    const r = run(1);
    expect(r.intervals!.meanAuc.low).toBeLessThan(r.meanAuc);
    expect(r.intervals!.meanAuc.high).toBeGreaterThan(r.meanAuc);
    expect(r.intervals!.meanPointing!.low).toBeLessThanOrEqual(r.meanPointing);
    expect(run(1).intervals).toEqual(r.intervals);
    expect(run(2).intervals).not.toEqual(r.intervals);
  });
});

describe('SegmentationMetrics foreground fractions', () => {
  it('averages the predicted and the true foreground fraction over images', () => {
    const m = new SegmentationMetrics({ bootstrapResamples: 0 });
    m.add(maskOf([1, 1, 1, 1]), maskOf([1, 0, 0, 0]));
    m.add(maskOf([0, 0, 0, 0]), maskOf([1, 1, 0, 0]));
    const r = m.result();
    expect(r.meanPredictedFraction).toBeCloseTo(0.5, 12);
    expect(r.meanTrueFraction).toBeCloseTo(0.375, 12);
  });
});
