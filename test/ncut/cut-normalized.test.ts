import { describe, expect, it } from 'vitest';
import { createMap } from './map.js';
import {
  affinityGaussian, affinityPixelGrid, cutNormalized, lanczosLargest, normalizedCutValue, secondGeneralizedEigenpair,
} from '../../src/ncut/index.js';
import type { DenseGraph, EigenIteration } from '../../src/ncut/index.js';
import { denseFrom, generalizedResidual, loadFixture, maxDifferenceUpToSign } from './helpers.js';

interface EighFixture { weights: number[]; eigenvalues: number[]; eigenvector: number[] }

/** Two 5-node cliques (weight 1) joined by one edge of weight 0.01: the cut must fall on that edge. */
function twoBlobGraph(): DenseGraph {
  const n = 10;
  const weights = new Float32Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (Math.floor(i / 5) === Math.floor(j / 5)) weights[i * n + j] = 1;
  weights[4 * n + 5] = 0.01;
  weights[5 * n + 4] = 0.01;
  return { kind: 'dense', size: n, weights };
}

describe('cutNormalized', () => {
  it.each(['dense', 'lanczos'] as const)('splits two blobs exactly (%s solver)', (solver) => {
    const result = cutNormalized(twoBlobGraph(), { solver });
    const side = result.partition[0]!;
    expect(Array.from(result.partition)).toEqual([side, side, side, side, side, 1 - side, 1 - side, 1 - side, 1 - side, 1 - side]);
    // cut = 0.01 (as float32), each volume = 25 + 0.01: NCut = 2 * 0.01 / 25.01.
    const bridge = Math.fround(0.01);
    expect(result.ncut).toBeCloseTo((2 * bridge) / (25 + bridge), 14);
  });

  it('NCut of a hand-computed path graph matches the definition', () => {
    // Path 0-1-2-3 with weights 1, 2, 3: A = {0, 1}: cut = 2, assoc(A) = 1 + 3 = 4, assoc(B) = 5 + 3 = 8.
    const w = [0, 1, 0, 0, 1, 0, 2, 0, 0, 2, 0, 3, 0, 0, 3, 0];
    expect(normalizedCutValue(denseFrom(w), Uint8Array.from([1, 1, 0, 0]))).toBeCloseTo(2 / 4 + 2 / 8, 14);
    expect(normalizedCutValue(denseFrom(w), Uint8Array.from([1, 1, 1, 1]))).toBe(Infinity);
  });

  describe.each([
    ['gaussian-eigh.json'], ['tokencut-eigh.json'], ['pixel-eigh.json'],
  ])('agrees with scipy.linalg.eigh(L, D) on %s', (name) => {
    const fixture = loadFixture<EighFixture>(name);
    const graph = denseFrom(fixture.weights);
    it.each(['dense', 'lanczos'] as const)('%s solver: eigenvalue within 1e-8, eigenvector within 1e-6 up to sign', (solver) => {
      const pair = secondGeneralizedEigenpair(graph, { solver, tolerance: 1e-13 });
      expect(Math.abs(pair.eigenvalue - fixture.eigenvalues[1]!)).toBeLessThan(1e-8);
      expect(maxDifferenceUpToSign(pair.eigenvector, fixture.eigenvector)).toBeLessThan(1e-6);
      expect(generalizedResidual(graph, pair.eigenvector, pair.eigenvalue)).toBeLessThan(1e-6);
    });
  });

  it('sparse Lanczos on a pixel graph: residual below 1e-6 and the same pair as the dense solver', () => {
    const rows = 16;
    const cols = 14;
    const relevance = createMap(rows, cols, (r, c) => (r >= 4 && r < 11 && c >= 3 && c < 10 ? 0.8 : 0.1) + 0.02 * ((r * 7 + c * 3) % 5));
    const graph = affinityPixelGrid(relevance, { radius: 4, sigmaFeature: 0.2, sigmaSpace: 3 });
    const sparse = secondGeneralizedEigenpair(graph, { solver: 'lanczos', tolerance: 1e-12 });
    expect(sparse.converged).toBe(true);
    expect(generalizedResidual(graph, sparse.eigenvector, sparse.eigenvalue)).toBeLessThan(1e-6);
    const dense = secondGeneralizedEigenpair(graph, { solver: 'dense' });
    expect(Math.abs(sparse.eigenvalue - dense.eigenvalue)).toBeLessThan(1e-9);
    expect(maxDifferenceUpToSign(sparse.eigenvector, dense.eigenvector)).toBeLessThan(1e-6);
  });

  it('split rules: mean, zero and median thresholds; sweep never has a higher NCut than they do', () => {
    const fixture = loadFixture<EighFixture>('gaussian-eigh.json');
    const graph = denseFrom(fixture.weights);
    const results = (['mean', 'zero', 'median', 'sweep'] as const).map((split) => cutNormalized(graph, { split }));
    const [mean, zero, median, sweep] = results as [typeof results[0], typeof results[0], typeof results[0], typeof results[0]];
    const y = mean.eigenvector;
    expect(mean.threshold).toBeCloseTo(y.reduce((s, v) => s + v, 0) / y.length, 14);
    expect(zero.threshold).toBe(0);
    const ones = median.partition.reduce((s, v) => s + v, 0);
    expect(ones).toBe(y.length / 2);
    for (const other of [mean, zero, median]) expect(sweep.ncut).toBeLessThanOrEqual(other.ncut + 1e-12);
    results.forEach((r) => expect(r.ncut).toBeCloseTo(normalizedCutValue(graph, r.partition), 12));
  });

  it('calls onIteration with growing iteration numbers and is reproducible for a fixed seed', () => {
    const features = loadFixture<{ features: number[]; count: number; dim: number; sigma: number }>('gaussian-eigh.json');
    const graph = affinityGaussian({ data: Float32Array.from(features.features), count: features.count, dim: features.dim }, { sigma: features.sigma });
    const seen: EigenIteration[] = [];
    const first = cutNormalized(graph, { solver: 'lanczos', seed: 3, onIteration: (info) => seen.push(info) });
    const second = cutNormalized(graph, { solver: 'lanczos', seed: 3 });
    expect(seen.length).toBe(first.iterations);
    expect(seen.map((s) => s.iteration)).toEqual(seen.map((_, k) => k + 1));
    expect(seen.at(-1)!.residual).toBeLessThanOrEqual(1e-10);
    expect(Array.from(second.eigenvector)).toEqual(Array.from(first.eigenvector));
  });

  it('early return for a single node and for a uniform graph (constant features)', () => {
    const uniform = cutNormalized({ kind: 'dense', size: 4, weights: new Float32Array(16).fill(1) });
    expect(Array.from(uniform.partition)).toEqual([0, 0, 0, 0]);
    expect(uniform.ncut).toBe(Infinity);
    expect(cutNormalized({ kind: 'dense', size: 1, weights: Float32Array.of(1) }).partition.length).toBe(1);
  });

  it('rejects invalid graphs and options with the documented errors', () => {
    expect(() => cutNormalized({ kind: 'dense', size: 3, weights: new Float32Array(8) }))
      .toThrow('expected a Float32Array of 9 weights for the affinity graph\'s weights but received a Float32Array of length 8');
    expect(() => cutNormalized(twoBlobGraph(), { split: 'mode' as never })).toThrow(/expected one of mean, zero, median, sweep for split/);
    expect(() => cutNormalized(twoBlobGraph(), { solver: 'qr' as never })).toThrow(expect.objectContaining({ code: 'E_INVALID_ARGUMENT' }));
    expect(() => lanczosLargest(() => undefined, 0)).toThrow(/expected an integer >= 1 for the operator size/);
  });
});

describe('lanczosLargest', () => {
  it('finds the top eigenpair of a diagonal operator and reports non-convergence when capped', () => {
    const diagonal = Float64Array.from({ length: 50 }, (_, i) => i / 49);
    const apply = (x: Float64Array, out: Float64Array): void => x.forEach((v, i) => { out[i] = diagonal[i]! * v; });
    const pair = lanczosLargest(apply, 50, { tolerance: 1e-12 });
    expect(pair.value).toBeCloseTo(1, 12);
    expect(Math.abs(pair.vector[49]!)).toBeCloseTo(1, 10);
    const capped = lanczosLargest(apply, 50, { maxIterations: 3 });
    expect(capped.converged).toBe(false);
    expect(capped.iterations).toBe(3);
  });
});
