import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, createImageTensor } from '../../src/core/index.js';
import { bilateralFeatures, createKernel, gaussianFeatures, type KernelNormalization } from '../../src/crf/index.js';
import { naiveGaussianFilter, twoColourImage } from './oracle.js';

describe('feature builders (pydensecrf addPairwiseGaussian / addPairwiseBilateral)', () => {
  it('divides (col, row) by sxy', () => {
    expect(Array.from(gaussianFeatures(2, 2, 2).data)).toEqual([0, 0, 0.5, 0, 0, 0.5, 0.5, 0.5]);
  });

  it('appends colours scaled to 0..255 and divided by srgb', () => {
    const image = createImageTensor(2, 1, 2, Float32Array.of(0, 1, 0.2, 0.4));
    const features = bilateralFeatures(image, { sxy: 10, srgb: 51 });
    expect(features.dimensions).toBe(4);
    expect(Array.from(features.data).map((x) => Number(x.toFixed(5)))).toEqual([0, 0, 0, 1, 0.1, 0, 5, 2]);
  });

  it('rejects non-positive bandwidths', () => {
    expect(() => gaussianFeatures(2, 2, 0)).toThrow(/expected a finite number >= 5e-324 for the Gaussian kernel sxy but received 0/);
    expect(() => bilateralFeatures(createImageTensor(3, 2, 2), { sxy: 1, srgb: -1 })).toThrow(InvalidArgumentError);
  });
});

describe('createKernel normalisations (exact backend, 6x6 two-colour image)', () => {
  const { image } = twoColourImage(6, 6, 9, 0.1);
  const features = bilateralFeatures(image, { sxy: 2, srgb: 40 });
  const size = 36;
  const ones = new Float32Array(size).fill(1);
  const rowSums = naiveGaussianFilter(features.data, 5, ones);
  const values = Float32Array.from({ length: size }, (_, i) => Math.cos(i) + 2);

  it('symmetric applies D^-1/2 K D^-1/2 (pydensecrf NORMALIZE_SYMMETRIC)', () => {
    const kernel = createKernel(features, { backend: 'exact' });
    const expected = naiveGaussianFilter(features.data, 5, values.map((v, i) => v / Math.sqrt(rowSums[i]!))).map((v, i) => v / Math.sqrt(rowSums[i]!));
    kernel.apply(values, 1).forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 5));
  });

  it.each<[KernelNormalization, (out: Float32Array) => void]>([
    ['after', (out) => out.forEach((v) => expect(v).toBeCloseTo(1, 5))],
    ['none', (out) => expect(out.reduce((a, b) => a + b, 0) / size).toBeCloseTo(1, 5)],
    ['before', (out) => out.forEach((v, i) => expect(v).toBeCloseTo(naiveGaussianFilter(features.data, 5, ones.map((_, j) => 1 / rowSums[j]!))[i]!, 5))],
  ])('%s normalisation applied to ones', (normalization, check) => {
    const kernel = createKernel(features, { backend: 'exact', normalization });
    check(kernel.apply(ones, 1));
    expect(Array.from(kernel.filteredOnes)).toEqual(Array.from(kernel.apply(ones, 1)));
  });

  it('rejects an unknown normalisation or backend and oversize exact kernels', () => {
    expect(() => createKernel(features, { normalization: 'l1' as never })).toThrow(/expected one of symmetric, before, after, none/);
    expect(() => createKernel(features, { backend: 'gpu' as never })).toThrow(InvalidArgumentError);
    expect(() => createKernel(gaussianFeatures(65, 65, 1), { backend: 'exact' })).toThrow(/at most 4096 points/);
  });
});
