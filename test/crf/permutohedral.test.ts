import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../src/core/index.js';
import { bilateralFeatures, buildPermutohedralLattice, gaussianFeatures } from '../../src/crf/index.js';
import { LatticeHashTable } from '../../src/crf/lattice-hash.js';
import { correlation, naiveGaussianFilter, twoColourImage } from './oracle.js';

/**
 * The lattice approximates the Gaussian (piecewise-linear splat/slice, [1/2 1 1/2] blur), so it is
 * compared with the exact O(N^2) filter through normalised outputs K v / K 1 (what the CRF uses):
 * measured max relative error 0.01-0.05 and correlation > 0.995 on these inputs; the bounds
 * below (0.1 and 0.99) leave room for the approximation but catch a wrong splat or blur.
 */
function normalisedPair(features: Float32Array, dimensions: number, values: Float32Array) {
  const size = features.length / dimensions;
  const lattice = buildPermutohedralLattice(features, dimensions);
  const ones = new Float32Array(size).fill(1);
  const latticeOnes = lattice.filter(ones, 1);
  const latticeValues = lattice.filter(values, 1);
  const exactOnes = naiveGaussianFilter(features, dimensions, ones);
  const exactValues = naiveGaussianFilter(features, dimensions, values);
  const approx = Array.from(latticeValues, (v, i) => v / latticeOnes[i]!);
  const exact = Array.from(exactValues, (v, i) => v / exactOnes[i]!);
  const maxRelative = Math.max(...approx.map((a, i) => Math.abs(a - exact[i]!) / Math.abs(exact[i]!)));
  return { maxRelative, correlation: correlation(approx, exact), lattice };
}

/** A structured signal (ramp plus step) so that the normalised outputs vary enough to correlate. */
function rampAndStep(rows: number, cols: number): Float32Array {
  const values = new Float32Array(rows * cols);
  for (let i = 0; i < values.length; i++) values[i] = 1 + (i % cols) / cols + (Math.floor(i / cols) > rows / 2 ? 1 : 0);
  return values;
}

describe('buildPermutohedralLattice', () => {
  it.each([1, 2, 3])('matches the exact smoothness filter (d = 2, sxy = %d) on a 12x12 grid', (sxy) => {
    const features = gaussianFeatures(12, 12, sxy);
    const result = normalisedPair(features.data, 2, rampAndStep(12, 12));
    expect(result.maxRelative).toBeLessThan(0.1);
    expect(result.correlation).toBeGreaterThan(0.99);
  });

  it('matches the exact appearance filter (d = 5) on a noisy two-colour 10x10 image', () => {
    const { image } = twoColourImage(10, 10, 3, 0.05);
    const features = bilateralFeatures(image, { sxy: 4, srgb: 13 });
    const result = normalisedPair(features.data, 5, rampAndStep(10, 10));
    expect(result.maxRelative).toBeLessThan(0.1);
    expect(result.correlation).toBeGreaterThan(0.99);
  });

  it('is a symmetric operator away from the edge of the splatted region (exactly, on a 24x24 grid)', () => {
    const rows = 24;
    const features = gaussianFeatures(rows, rows, 2);
    const lattice = buildPermutohedralLattice(features.data, 2);
    const interior = [7, 8, 12, 15, 16].flatMap((r) => [7, 11, 16].map((c) => r * rows + c));
    const columns = interior.map((j) => lattice.filter(new Float32Array(rows * rows).fill(0).fill(1, j, j + 1), 1));
    let asymmetry = 0;
    interior.forEach((i, a) => interior.forEach((j, b) => (asymmetry = Math.max(asymmetry, Math.abs(columns[b]![i]! - columns[a]![j]!)))));
    expect(asymmetry).toBeLessThan(1e-6);
    expect(columns[0]![interior[1]!]).toBeGreaterThan(0.1);
  });

  it('filters several planar channels exactly as it filters each alone', () => {
    const features = gaussianFeatures(6, 7, 2);
    const lattice = buildPermutohedralLattice(features.data, 2);
    const first = rampAndStep(6, 7);
    const second = first.map((x) => 3 - x * x);
    const both = new Float32Array(84);
    both.set(first);
    both.set(second, 42);
    const together = lattice.filter(both, 2);
    expect(Array.from(together.subarray(0, 42))).toEqual(Array.from(lattice.filter(first, 1)));
    expect(Array.from(together.subarray(42))).toEqual(Array.from(lattice.filter(second, 1)));
  });

  it('leaves far-apart points independent and is linear', () => {
    const lattice = buildPermutohedralLattice(Float32Array.of(0, 0, 100, 100), 2);
    expect(lattice.vertices).toBe(6);
    const first = lattice.filter(Float32Array.of(2, 0), 1);
    const second = lattice.filter(Float32Array.of(0, 5), 1);
    expect([first[1], second[0]]).toEqual([0, 0]);
    const sum = lattice.filter(Float32Array.of(2, 5), 1);
    expect(sum[0]).toBeCloseTo(first[0]!, 6);
    expect(sum[1]).toBeCloseTo(second[1]!, 6);
    expect(first[0]).toBeGreaterThan(0);
  });

  it('throws InvalidArgumentError for bad features or values', () => {
    expect(() => buildPermutohedralLattice(new Float32Array(5), 2)).toThrow(InvalidArgumentError);
    expect(() => buildPermutohedralLattice(new Float32Array(0), 2)).toThrow(/non-empty multiple of 2 values/);
    expect(() => buildPermutohedralLattice(new Float32Array(4), 0)).toThrow(InvalidArgumentError);
    expect(() => buildPermutohedralLattice(Float32Array.of(0, Number.NaN), 2))
      .toThrow(/expected finite features of magnitude below 1e6 for the lattice features but received NaN/);
    const lattice = buildPermutohedralLattice(new Float32Array(8), 2);
    expect(() => lattice.filter(new Float32Array(3), 1)).toThrow(/expected 4 values \(channels x points\) for the lattice filter input but received a Float32Array of length 3/);
  });
});

describe('LatticeHashTable', () => {
  it('returns stable indices in insertion order and survives growth', () => {
    const table = new LatticeHashTable(3, 4);
    const key = new Int32Array(3);
    for (let i = 0; i < 1000; i++) {
      key.set([i, -i, i * 7]);
      expect(table.findOrInsert(key)).toBe(i);
    }
    key.set([500, -500, 3500]);
    expect(table.find(key)).toBe(500);
    expect(table.findOrInsert(key)).toBe(500);
    key.set([1, 2, 3]);
    expect(table.find(key)).toBe(-1);
    expect(table.size).toBe(1000);
  });
});
