import { describe, expect, it } from 'vitest';
import { cumulativeSumThreshold, normalizeByCumulativeSum, reduceChannels, relevanceMap, smoothMap } from '../../src/attribution/index.js';
import { createImageTensor, createScalarMap, InvalidArgumentError } from '../../src/core/index.js';

describe('reduceChannels', () => {
  // Two channels of a 1x3 attribution: sums per pixel are 3, -1, 0.
  const attribution = createImageTensor(2, 1, 3, Float32Array.of(1, -3, 2, 2, 2, -2));
  it.each([
    ['absolute', [3, 1, 0]],
    ['positive', [3, 0, 0]],
  ] as const)('sums channels then takes the %s part', (sign, expected) => {
    expect(Array.from(reduceChannels(attribution, sign).data)).toEqual(expected);
  });
});

describe('Captum percentile normalisation (_cumulative_sum_threshold, _normalize_scale)', () => {
  it.each([
    // cumsum 1, 3, 6, 10: 50 % of 10 is first reached at 6 -> value 3
    [[4, 1, 3, 2], 50, 3],
    // 1..10, total 55: 80 % = 44 is first reached at cumsum 45 -> value 9
    [Array.from({ length: 10 }, (_, i) => i + 1), 80, 9],
    [[0, 0, 0], 98, 0],
  ] as const)('threshold of %j at %i %% is %f', (values, percentile, expected) => {
    expect(cumulativeSumThreshold(Float32Array.from(values), percentile)).toBe(expected);
  });

  it('divides by the 98 % threshold and clips: 100 ones and one 1.5 give threshold 1', () => {
    // total 101.5, 98 % = 99.47, reached by the 100th one; the 1.5 outlier is clipped to 1.
    const data = Float32Array.from({ length: 101 }, (_, i) => (i === 50 ? 1.5 : 1));
    const map = normalizeByCumulativeSum(createScalarMap(1, 101, data));
    expect(Array.from(map.data).every((v) => v === 1)).toBe(true);
    const scaled = normalizeByCumulativeSum(createScalarMap(1, 4, Float32Array.of(0, 2, 4, 8)));
    // cumsum 0, 2, 6, 14; 98 % of 14 = 13.72 -> threshold 8
    expect(Array.from(scaled.data)).toEqual([0, 0.25, 0.5, 1]);
  });

  it('keeps a map of zeros as zeros (Captum would assert on the zero scale)', () => {
    const map = normalizeByCumulativeSum(createScalarMap(2, 2));
    expect(Array.from(map.data)).toEqual([0, 0, 0, 0]);
  });

  it('rejects a percentile outside [0, 100]', () => {
    expect(() => cumulativeSumThreshold(Float32Array.of(1), 101)).toThrow(InvalidArgumentError);
  });
});

describe('relevanceMap', () => {
  it('maps a constant attribution to ones and resizes to the original image size', () => {
    const attribution = createImageTensor(3, 2, 2, new Float32Array(12).fill(-0.2));
    const map = relevanceMap(attribution, { outputSize: { rows: 4, cols: 6 } });
    expect([map.rows, map.cols]).toEqual([4, 6]);
    map.data.forEach((v) => expect(v).toBeCloseTo(1, 6));
  });

  it('smooths with a normalised Gaussian (sum preserved in the interior, peak lowered)', () => {
    const data = new Float32Array(81);
    data[40] = 1;
    const smoothed = smoothMap(createScalarMap(9, 9, data), 1);
    expect(smoothed.data.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    expect(smoothed.data[40]).toBeLessThan(0.2);
    // Centre of a unit 2-D Gaussian, 1 / (2 pi), up to the 4-sigma truncation.
    expect(smoothed.data[40]).toBeCloseTo(1 / (2 * Math.PI), 4);
  });

  it('returns zeros for a zero attribution, smoothing or not', () => {
    const map = relevanceMap(createImageTensor(1, 3, 3), { smoothingSigma: 1 });
    expect(Array.from(map.data).every((v) => v === 0)).toBe(true);
  });
});
