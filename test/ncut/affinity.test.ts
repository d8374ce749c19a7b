import { describe, expect, it } from 'vitest';
import { createImageTensor } from '../../src/core/index.js';
import {
  affinityCosine, affinityGaussian, affinityPixelGrid, concatenateFeatures, gridPositionFeatures,
} from '../../src/ncut/index.js';
import type { SparseGraph } from '../../src/ncut/index.js';
import { loadFixture } from './helpers.js';
import { createMap } from './map.js';

function toDense(graph: SparseGraph): Float64Array {
  const dense = new Float64Array(graph.size * graph.size);
  for (let i = 0; i < graph.size; i++) {
    for (let k = graph.rowStart[i]!; k < graph.rowStart[i + 1]!; k++) dense[i * graph.size + graph.columns[k]!] = graph.weights[k]!;
  }
  return dense;
}

describe('affinityCosine', () => {
  // Three 2-d nodes: cos(a, b) = 0.6, cos(a, c) = 0, cos(b, c) = 0.8.
  const features = { data: Float32Array.of(1, 0, 0.6, 0.8, 0, 2), count: 3, dim: 2 };
  it.each([
    [0.2, true, [1, 1, 1e-5, 1, 1, 1, 1e-5, 1, 1]],
    [0.7, true, [1, 1e-5, 1e-5, 1e-5, 1, 1, 1e-5, 1, 1]],
    [0.2, false, [1, 0.6, 1e-5, 0.6, 1, 0.8, 1e-5, 0.8, 1]],
  ])('tau %s, binary %s gives the hand-computed table', (tau, binary, expected) => {
    const graph = affinityCosine(features, { tau, binary });
    expect(Array.from(graph.weights)).toEqual(expected.map((v) => Math.fround(v)));
  });

  it('gives an all-zero key similarity 0, hence eps everywhere (MaskCut masking)', () => {
    const graph = affinityCosine({ data: Float32Array.of(0, 0, 1, 0), count: 2, dim: 2 }, { eps: 1e-3 });
    expect(Array.from(graph.weights)).toEqual([1e-3, 1e-3, 1e-3, 1].map((v) => Math.fround(v)));
  });

  it('matches the TokenCut graph built by the Python generator', () => {
    const f = loadFixture<{ keys: number[]; rows: number; cols: number; dim: number; tau: number; weights: number[] }>('tokencut-eigh.json');
    const graph = affinityCosine({ data: Float32Array.from(f.keys), count: f.rows * f.cols, dim: f.dim }, { tau: f.tau });
    expect(Array.from(graph.weights)).toEqual(f.weights.map((v) => Math.fround(v)));
  });

  it('rejects features whose data does not match count x dim', () => {
    expect(() => affinityCosine({ data: new Float32Array(5), count: 3, dim: 2 }))
      .toThrow("expected a Float32Array of 6 values (count x dim) for the node features' data but received a Float32Array of length 5");
    expect(() => affinityCosine({ data: new Float32Array(6), count: 3, dim: 2 }, { tau: 2 })).toThrow(/tau/);
  });
});

describe('affinityGaussian', () => {
  it('matches the generator within float32 rounding (1e-6)', () => {
    const f = loadFixture<{ features: number[]; count: number; dim: number; sigma: number; weights: number[] }>('gaussian-eigh.json');
    const graph = affinityGaussian({ data: Float32Array.from(f.features), count: f.count, dim: f.dim }, { sigma: f.sigma });
    const worst = f.weights.reduce((m, w, k) => Math.max(m, Math.abs(w - graph.weights[k]!)), 0);
    expect(worst).toBeLessThan(1e-6);
  });
});

describe('concatenateFeatures and gridPositionFeatures', () => {
  it('weights each block and appends positions scaled to [0, 1]', () => {
    const position = gridPositionFeatures({ rows: 2, cols: 3 });
    expect(Array.from(position.data)).toEqual([0, 0, 0, 0.5, 0, 1, 1, 0, 1, 0.5, 1, 1]);
    const relevance = { data: Float32Array.of(1, 2, 3, 4, 5, 6), count: 6, dim: 1 };
    // Node 3 is (row 1, col 0): relevance 4 x 2, position (1, 0).
    const joined = concatenateFeatures([{ features: relevance, weight: 2 }, { features: position }]);
    expect(joined.dim).toBe(3);
    expect(Array.from(joined.data.subarray(9, 12))).toEqual([8, 1, 0]);
    expect(() => concatenateFeatures([{ features: relevance }, { features: gridPositionFeatures({ rows: 1, cols: 2 }) }]))
      .toThrow('expected 6 nodes for block 1 but received 2');
  });
});

describe('affinityPixelGrid', () => {
  it('matches Shi-Malik weights from the Python generator (relevance + intensity, radius 3)', () => {
    const f = loadFixture<{ rows: number; cols: number; radius: number; sigmaFeature: number; sigmaSpace: number; relevance: number[]; intensity: number[]; weights: number[] }>('pixel-eigh.json');
    const relevance = createMap(f.rows, f.cols, (r, c) => f.relevance[r * f.cols + c]!);
    const image = createImageTensor(1, f.rows, f.cols, Float32Array.from(f.intensity));
    const graph = affinityPixelGrid(relevance, { image, radius: f.radius, sigmaFeature: f.sigmaFeature, sigmaSpace: f.sigmaSpace });
    const dense = toDense(graph);
    const worst = f.weights.reduce((m, w, k) => Math.max(m, Math.abs(w - dense[k]!)), 0);
    expect(worst).toBeLessThan(1e-7);
    // Interior pixel: offsets with dr^2 + dc^2 in {1, 2, 4, 5, 8} number 4 + 4 + 4 + 8 + 4 = 24.
    const interior = 3 * f.cols + 3;
    expect(graph.rowStart[interior + 1]! - graph.rowStart[interior]!).toBe(24);
  });

  it('rejects an image of another size and a radius without neighbours', () => {
    const relevance = createMap(4, 4, () => 0);
    expect(() => affinityPixelGrid(relevance, { image: createImageTensor(1, 4, 5) })).toThrow(/expected 4x4 for the image but received 4x5/);
    expect(() => affinityPixelGrid(relevance, { radius: 1 })).toThrow(/radius/);
  });
});
