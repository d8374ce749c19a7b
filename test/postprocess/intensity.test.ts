import { describe, expect, it } from 'vitest';
import { createImageTensor, createRng, createScalarMap, InvalidArgumentError } from '../../src/core/index.js';
import {
  binarizeAtMean, binarizeAtValue, equalizeAdaptive, equalizeHistogram, histogramUniform, thresholdOtsu, toGrayscale,
} from '../../src/postprocess/index.js';

const mapOf = (rows: number, cols: number, values: number[]) => createScalarMap(rows, cols, Float32Array.from(values));

describe('thresholdOtsu', () => {
  it('splits two clusters between them and returns a bin centre', () => {
    const map = mapOf(2, 4, [0, 0, 0, 0, 1, 1, 1, 1]);
    // 256 bins over [0, 1]: the first bin wins and its centre is 1/512.
    expect(thresholdOtsu(map)).toBeCloseTo(1 / 512, 12);
    expect(thresholdOtsu(map, { bins: 2 })).toBeCloseTo(0.25, 12);
  });

  it('returns the value of a constant map and rejects NaN', () => {
    expect(thresholdOtsu(mapOf(2, 2, [0.3, 0.3, 0.3, 0.3]))).toBeCloseTo(0.3, 6);
    expect(() => thresholdOtsu(mapOf(1, 2, [0, Number.NaN]))).toThrow(/expected finite values for the map to threshold but received NaN/);
  });

  it('is shift-equivariant: adding a constant shifts the threshold by it', () => {
    const rng = createRng(3);
    const values = Array.from({ length: 400 }, () => (rng.next() < 0.5 ? 0.2 : 0.7) + 0.05 * rng.normal());
    const t = thresholdOtsu(mapOf(20, 20, values));
    expect(t).toBeGreaterThan(0.35);
    expect(t).toBeLessThan(0.55);
    expect(thresholdOtsu(mapOf(20, 20, values.map((v) => v + 2)))).toBeCloseTo(t + 2, 4);
  });
});

describe('histograms and equalisation', () => {
  it('bins like numpy: the max lands in the last bin, a constant gets [v - 0.5, v + 0.5]', () => {
    const h = histogramUniform([0, 0.5, 1], 2);
    expect(Array.from(h.counts)).toEqual([1, 2]);
    expect(Array.from(histogramUniform([2, 2], 4).edges)).toEqual([1.5, 1.75, 2, 2.25, 2.5]);
  });

  it('equalizeHistogram maps to the CDF, is monotone and reaches 1 at the maximum', () => {
    const out = equalizeHistogram(mapOf(1, 4, [0, 1, 2, 3]), { bins: 4 });
    // Bin centres 0.375, 1.125, 1.875, 2.625 carry CDF 0.25, 0.5, 0.75, 1; values between interpolate.
    const expected = [0.25, 0.25 + (0.625 / 0.75) * 0.25, 0.75 + (0.125 / 0.75) * 0.25, 1];
    expected.forEach((v, i) => expect(out.data[i]).toBeCloseTo(v, 6));
    const rng = createRng(8);
    const values = Array.from({ length: 300 }, () => rng.normal());
    const eq = equalizeHistogram(mapOf(15, 20, values)).data;
    const order = values.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
    for (let k = 1; k < order.length; k++) expect(eq[order[k]![1]]!).toBeGreaterThanOrEqual(eq[order[k - 1]![1]]!);
  });
});

describe('equalizeAdaptive (CLAHE), properties', () => {
  const rng = createRng(21);
  const values = Array.from({ length: 32 * 32 }, (_, i) => (i % 32 < 16 ? 0.1 : 0.8) + 0.05 * rng.next());
  const map = mapOf(32, 32, values);

  it('one tile without clipping is the per-bin CDF: a hand-computed 1x4 case', () => {
    const out = equalizeAdaptive(mapOf(1, 4, [0, 0, 1, 3]), { tileRows: 1, tileCols: 1, clipLimit: 0, bins: 4 });
    expect(Array.from(out.data)).toEqual([0.5, 0.5, 0.75, 1]);
  });

  it('stays in [0, 1] and stretches each half locally (both halves reach a wide range)', () => {
    const out = equalizeAdaptive(map, { tileRows: 2, tileCols: 2, clipLimit: 0 }).data;
    const left = Array.from(out).filter((_, i) => i % 32 < 8);
    const right = Array.from(out).filter((_, i) => i % 32 >= 24);
    expect(Math.min(...out)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...out)).toBeLessThanOrEqual(1);
    expect(Math.max(...left) - Math.min(...left)).toBeGreaterThan(0.8);
    expect(Math.max(...right) - Math.min(...right)).toBeGreaterThan(0.8);
  });

  it('a lower clip limit keeps the mapping closer to the identity; a constant map is returned unchanged', () => {
    const min = Math.min(...values);
    const max = Math.max(...values);
    const distanceFromIdentity = (clipLimit: number): number => {
      const d = equalizeAdaptive(map, { tileRows: 2, tileCols: 2, clipLimit }).data;
      return values.reduce((a, v, i) => a + Math.abs(d[i]! - (v - min) / (max - min)), 0) / values.length;
    };
    expect(distanceFromIdentity(0.005)).toBeLessThan(0.05);
    expect(distanceFromIdentity(0.005)).toBeLessThan(distanceFromIdentity(0.05));
    expect(distanceFromIdentity(0.05)).toBeLessThan(distanceFromIdentity(0));
    expect(Array.from(equalizeAdaptive(mapOf(2, 2, [4, 4, 4, 4]), { tileRows: 1, tileCols: 1 }).data)).toEqual([4, 4, 4, 4]);
  });

  it('rejects more tiles than rows and a clip limit above 1', () => {
    expect(() => equalizeAdaptive(map, { tileRows: 40 })).toThrow(InvalidArgumentError);
    expect(() => equalizeAdaptive(map, { clipLimit: 2 })).toThrow(/expected a finite number in \[0, 1\] for the clip limit/);
  });
});

describe('grayscale and binarisation helpers', () => {
  it('toGrayscale weights R, G, B by 0.2125, 0.7154, 0.0721 and rejects 2 channels', () => {
    const gray = toGrayscale(createImageTensor(3, 1, 1, Float32Array.from([1, 0.5, 0])));
    expect(gray.data[0]).toBeCloseTo(0.2125 + 0.3577, 6);
    expect(() => toGrayscale(createImageTensor(2, 1, 1))).toThrow(InvalidArgumentError);
  });

  it('binarizeAtValue is strict and binarizeAtMean uses the mean', () => {
    const map = mapOf(1, 4, [0, 1, 2, 5]);
    expect(Array.from(binarizeAtValue(map, 1).data)).toEqual([0, 0, 1, 1]);
    const { mask, threshold } = binarizeAtMean(map);
    expect(threshold).toBe(2);
    expect(Array.from(mask.data)).toEqual([0, 0, 0, 1]);
  });
});
