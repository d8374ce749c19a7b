import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createRng } from '../../src/core/index.js';
import { graphDegrees, multiplyGraph } from '../../src/ncut/index.js';
import type { AffinityGraph, DenseGraph } from '../../src/ncut/index.js';

export function loadFixture<T>(name: string): T {
  return JSON.parse(readFileSync(fileURLToPath(new URL(`../fixtures/ncut/${name}`, import.meta.url)), 'utf8')) as T;
}

export function denseFrom(weights: number[]): DenseGraph {
  const size = Math.round(Math.sqrt(weights.length));
  return { kind: 'dense', size, weights: Float32Array.from(weights) };
}

/** ||(D - W) y - lambda D y|| / ||y||, the generalized eigen-residual. */
export function generalizedResidual(graph: AffinityGraph, y: Float64Array, lambda: number): number {
  const degrees = graphDegrees(graph);
  const wy = new Float64Array(graph.size);
  multiplyGraph(graph, y, wy);
  let residual = 0;
  let norm = 0;
  for (let i = 0; i < graph.size; i++) {
    const r = degrees[i]! * y[i]! - wy[i]! - lambda * degrees[i]! * y[i]!;
    residual += r * r;
    norm += y[i]! * y[i]!;
  }
  return Math.sqrt(residual / norm);
}

/** Max |a_i - s b_i| over the better sign s. */
export function maxDifferenceUpToSign(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let plus = 0;
  let minus = 0;
  for (let i = 0; i < a.length; i++) {
    plus = Math.max(plus, Math.abs(a[i]! - b[i]!));
    minus = Math.max(minus, Math.abs(a[i]! + b[i]!));
  }
  return Math.min(plus, minus);
}

/**
 * Keys on a rows x cols grid: each patch gets its region's prototype plus Gaussian noise; `regions`
 * holds a region index per patch (0 = background).
 */
export function plantedKeys(regions: Uint8Array, dim: number, options: { noise?: number; seed?: number } = {}): Float32Array {
  const rng = createRng(options.seed ?? 7);
  const regionCount = Math.max(...regions) + 1;
  const prototypes = Array.from({ length: regionCount }, () => Float64Array.from({ length: dim }, () => rng.normal()));
  const keys = new Float32Array(regions.length * dim);
  regions.forEach((region, node) => {
    for (let k = 0; k < dim; k++) keys[node * dim + k] = prototypes[region]![k]! + (options.noise ?? 0.5) * rng.normal();
  });
  return keys;
}

/** A rows x cols region map with rectangles [row0, row1) x [col0, col1) labelled 1, 2, ... */
export function rectangles(rows: number, cols: number, boxes: Array<[number, number, number, number]>): Uint8Array {
  const regions = new Uint8Array(rows * cols);
  boxes.forEach(([row0, row1, col0, col1], b) => {
    for (let r = row0; r < row1; r++) for (let c = col0; c < col1; c++) regions[r * cols + c] = b + 1;
  });
  return regions;
}
