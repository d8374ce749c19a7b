import { describe, expect, it } from 'vitest';
import { createImageTensor, createRng, createScalarMap, InvalidArgumentError, SizeMismatchError, type ImageTensor } from '../../src/core/index.js';
import { edgeWeights, segmentRandomWalker, type SeedGrid } from '../../src/ncut/index.js';

function greyImage(rows: number, cols: number, value: (row: number, col: number) => number): ImageTensor {
  const image = createImageTensor(1, rows, cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) image.data[r * cols + c] = value(r, c);
  return image;
}

function seedGrid(rows: number, cols: number, seeds: [row: number, col: number, label: 0 | 1][]): SeedGrid {
  const data = new Int8Array(rows * cols).fill(-1);
  for (const [row, col, label] of seeds) data[row * cols + col] = label;
  return { data, rows, cols };
}

/** The same linear system, assembled densely and solved by Gaussian elimination: the oracle. */
function denseSolution(image: ImageTensor, seeds: SeedGrid, prior: Float32Array, gamma: number, beta: number): Float64Array {
  const { rows, cols } = image;
  const n = rows * cols;
  const weights = edgeWeights(image, beta);
  const a = Array.from({ length: n }, () => new Float64Array(n));
  for (let p = 0; p < n; p++) a[p]![p] += gamma;
  const link = (p: number, q: number, w: number): void => {
    a[p]![p] += w; a[q]![q] += w; a[p]![q] -= w; a[q]![p] -= w;
  };
  for (let p = 0; p < n; p++) {
    if ((p % cols) + 1 < cols) link(p, p + 1, weights[2 * p]!);
    if (p + cols < n) link(p, p + cols, weights[2 * p + 1]!);
  }
  const b = Float64Array.from(prior, (v) => gamma * v);
  for (let p = 0; p < n; p++) {
    if (seeds.data[p] === -1) continue;
    a[p]!.fill(0);
    a[p]![p] = 1;
    b[p] = seeds.data[p]!;
  }
  for (let k = 0; k < n; k++) {
    for (let i = k + 1; i < n; i++) {
      const f = a[i]![k]! / a[k]![k]!;
      for (let j = k; j < n; j++) a[i]![j] -= f * a[k]![j]!;
      b[i] -= f * b[k]!;
    }
  }
  const x = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let sum = b[i]!;
    for (let j = i + 1; j < n; j++) sum -= a[i]![j]! * x[j]!;
    x[i] = sum / a[i]![i]!;
  }
  return x;
}

describe('segmentRandomWalker', () => {
  it('matches a dense direct solve of the same system on a tiny random image (tolerance 1e-6)', () => {
    const rng = createRng(7);
    const image = greyImage(4, 5, () => rng.next());
    const prior = Float32Array.from({ length: 20 }, () => rng.next());
    const seeds = seedGrid(4, 5, [[0, 0, 1], [3, 4, 0], [2, 1, 1]]);
    const result = segmentRandomWalker(image, { seeds, prior: createScalarMap(4, 5, prior), priorWeight: 0.05, beta: 20, tolerance: 1e-12 });
    const oracle = denseSolution(image, seeds, prior, 0.05, 20);
    expect(result.converged).toBe(true);
    for (let p = 0; p < 20; p++) expect(result.probability.data[p]).toBeCloseTo(Math.min(1, Math.max(0, oracle[p]!)), 6);
  });

  it('splits two flat halves at their edge from one seed in each (no prior)', () => {
    const image = greyImage(6, 8, (_r, c) => (c < 4 ? 0.1 : 0.9));
    const result = segmentRandomWalker(image, { seeds: seedGrid(6, 8, [[0, 0, 0], [5, 7, 1]]) });
    const expected = Array.from({ length: 48 }, (_v, p) => (p % 8 < 4 ? 0 : 1));
    expect(Array.from(result.mask.data)).toEqual(expected);
  });

  it('grows a positive click to the region edge where the prior weight is zero near the click', () => {
    const inside = (r: number, c: number): boolean => r >= 8 && r < 20 && c >= 8 && c < 20;
    const image = greyImage(28, 28, (r, c) => (inside(r, c) ? 0.8 : 0.2));
    const prior = createScalarMap(28, 28, new Float32Array(28 * 28).fill(0.2));
    const gamma = createScalarMap(28, 28, Float32Array.from({ length: 28 * 28 }, (_v, p) => (inside(Math.floor(p / 28), p % 28) ? 0 : 0.01)));
    const result = segmentRandomWalker(image, { seeds: seedGrid(28, 28, [[14, 14, 1]]), prior, priorWeight: gamma });
    const wrong = Array.from(result.mask.data).filter((v, p) => v !== (inside(Math.floor(p / 28), p % 28) ? 1 : 0)).length;
    expect(wrong).toBe(0);
  });

  it('keeps every seed at its label and returns the thresholded prior under a strong prior', () => {
    const rng = createRng(3);
    const image = greyImage(5, 5, () => rng.next());
    const prior = createScalarMap(5, 5, Float32Array.from({ length: 25 }, (_v, p) => (p < 12 ? 0.1 : 0.9)));
    const seeds = seedGrid(5, 5, [[0, 0, 1], [4, 4, 0]]);
    const result = segmentRandomWalker(image, { seeds, prior, priorWeight: 1e4 });
    expect([result.mask.data[0], result.mask.data[24]]).toEqual([1, 0]);
    expect(Array.from(result.mask.data.slice(1, 24))).toEqual(Array.from({ length: 23 }, (_v, k) => (k + 1 < 12 ? 0 : 1)));
  });

  it('returns early: seeds of one label without a prior, nothing to solve without seeds or prior weight', () => {
    const image = greyImage(3, 3, (r) => r / 3);
    const one = segmentRandomWalker(image, { seeds: seedGrid(3, 3, [[1, 1, 1]]) });
    expect([one.iterations, Array.from(one.mask.data)]).toEqual([0, new Array(9).fill(1)]);
    const none = segmentRandomWalker(image);
    expect([none.iterations, Array.from(none.probability.data)]).toEqual([0, new Array(9).fill(0)]);
  });

  it('reports each iteration with a falling residual and refuses bad seeds, sizes and weights', () => {
    const image = greyImage(6, 6, (r, c) => (r + c) / 12);
    const residuals: number[] = [];
    segmentRandomWalker(image, { seeds: seedGrid(6, 6, [[0, 0, 0], [5, 5, 1]]), onIteration: (e) => residuals.push(e.relativeResidual) });
    expect(residuals.length).toBeGreaterThan(1);
    expect(residuals.at(-1)).toBeLessThanOrEqual(1e-4);
    expect(() => segmentRandomWalker(image, { seeds: { data: new Int8Array(36).fill(2), rows: 6, cols: 6 } })).toThrow(/expected seed labels -1, 0 or 1 for the seed grid but received 2/);
    expect(() => segmentRandomWalker(image, { seeds: seedGrid(5, 6, []) })).toThrow(SizeMismatchError);
    expect(() => segmentRandomWalker(image, { prior: createScalarMap(6, 6), priorWeight: -1 })).toThrow(InvalidArgumentError);
  });
});
