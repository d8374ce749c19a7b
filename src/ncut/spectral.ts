/**
 * The second-smallest generalized eigenpair of (D - W) y = lambda D y, the relaxed Normalized Cut.
 */
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import { ensureOneOf } from '../core/index.js';
import { forEachNeighbour, graphDegrees, multiplyGraph } from './graph.js';
import type { AffinityGraph } from './graph.js';
import { lanczosLargest } from './lanczos.js';
import type { LanczosOptions } from './lanczos.js';

/**
 * 'lanczos': matrix-free, one W x per step, O(n^2) per step on a dense graph and O(nnz) on a sparse one;
 * tens of steps suffice when the spectral gap is clear, so a 1024-node patch graph takes milliseconds.
 * 'dense': ml-matrix's symmetric eigendecomposition (Householder + QL, ~9 n^3 flops): exact and robust
 * to clustered spectra, but seconds past ~1000 nodes, so kept for small graphs and as a test oracle.
 * 'auto': dense up to `denseLimit` nodes (default 160), Lanczos above.
 */
export type EigenSolver = 'auto' | 'lanczos' | 'dense';
export const EIGEN_SOLVERS: readonly EigenSolver[] = ['auto', 'lanczos', 'dense'];

export interface SpectralOptions extends Omit<LanczosOptions, 'deflate'> {
  solver?: EigenSolver;
  /** Largest graph the 'auto' solver hands to the dense decomposition (default 160). */
  denseLimit?: number;
}

export interface GeneralizedEigenpair {
  /** lambda_2 of (D - W) y = lambda D y. */
  readonly eigenvalue: number;
  /** y, scaled so that y^T D y = 1 (as scipy.linalg.eigh does) and its largest-magnitude entry is positive. */
  readonly eigenvector: Float64Array;
  readonly iterations: number;
  readonly converged: boolean;
  readonly solver: 'lanczos' | 'dense';
}

/**
 * Degrees clamped away from zero: an isolated node (all weights underflowed) would make D singular.
 * The floor is far below any real degree, so it only touches such nodes.
 */
function safeDegrees(graph: AffinityGraph): Float64Array {
  const degrees = graphDegrees(graph);
  const largest = degrees.reduce((m, d) => Math.max(m, d), 0);
  const floor = Math.max(largest * 1e-12, 1e-300);
  return degrees.map((d) => Math.max(d, floor));
}

/** sqrt(d) / ||sqrt(d)||: the eigenvector of D^-1/2 W D^-1/2 for eigenvalue 1 (the trivial cut). */
function trivialVector(degrees: Float64Array): Float64Array {
  const total = degrees.reduce((s, d) => s + d, 0);
  return degrees.map((d) => Math.sqrt(d / total));
}

function denseLargest(graph: AffinityGraph, inverseSqrt: Float64Array, trivial: Float64Array): { value: number; vector: Float64Array } {
  const n = graph.size;
  const matrix = new Matrix(n, n);
  for (let i = 0; i < n; i++) {
    forEachNeighbour(graph, i, (j, w) => matrix.set(i, j, inverseSqrt[i]! * w * inverseSqrt[j]!));
  }
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) matrix.set(i, j, matrix.get(i, j) - trivial[i]! * trivial[j]!);
  }
  const decomposition = new EigenvalueDecomposition(matrix, { assumeSymmetric: true });
  const values = decomposition.realEigenvalues;
  let best = 0;
  for (let k = 1; k < n; k++) if (values[k]! > values[best]!) best = k;
  return { value: values[best]!, vector: Float64Array.from(decomposition.eigenvectorMatrix.getColumn(best)) };
}

/** y = D^-1/2 z, normalised to y^T D y = 1 with the largest |y_i| positive, so every solver agrees on sign. */
function toGeneralized(z: Float64Array, inverseSqrt: Float64Array, degrees: Float64Array): Float64Array {
  const y = z.map((value, i) => value * inverseSqrt[i]!);
  let norm = 0;
  let peak = 0;
  for (let i = 0; i < y.length; i++) {
    norm += degrees[i]! * y[i]! * y[i]!;
    if (Math.abs(y[i]!) > Math.abs(y[peak]!)) peak = i;
  }
  const scale = (y[peak]! < 0 ? -1 : 1) / Math.sqrt(norm);
  return y.map((value) => value * scale);
}

/**
 * Second-smallest eigenpair of (D - W) y = lambda D y (Shi & Malik, PAMI 2000, eq. 6-8), through the
 * symmetric form D^-1/2 W D^-1/2 z = (1 - lambda) z with the trivial eigenvector sqrt(d) deflated, so the
 * wanted pair is the largest one of the deflated operator; then y = D^-1/2 z.
 */
export function secondGeneralizedEigenpair(graph: AffinityGraph, options: SpectralOptions = {}): GeneralizedEigenpair {
  const solver = ensureOneOf(options.solver ?? 'auto', 'solver', EIGEN_SOLVERS);
  const denseLimit = options.denseLimit ?? 160;
  const degrees = safeDegrees(graph);
  const inverseSqrt = degrees.map((d) => 1 / Math.sqrt(d));
  const trivial = trivialVector(degrees);
  const useDense = solver === 'dense' || (solver === 'auto' && graph.size <= denseLimit);
  if (useDense) {
    const { value, vector } = denseLargest(graph, inverseSqrt, trivial);
    const eigenvector = toGeneralized(vector, inverseSqrt, degrees);
    return { eigenvalue: 1 - value, eigenvector, iterations: 1, converged: true, solver: 'dense' };
  }
  const scaled = new Float64Array(graph.size);
  const apply = (x: Float64Array, out: Float64Array): void => {
    for (let i = 0; i < x.length; i++) scaled[i] = x[i]! * inverseSqrt[i]!;
    multiplyGraph(graph, scaled, out);
    for (let i = 0; i < out.length; i++) out[i] = out[i]! * inverseSqrt[i]!;
  };
  const { solver: _ignored, denseLimit: _limit, ...lanczosOptions } = options;
  const pair = lanczosLargest(apply, graph.size, { ...lanczosOptions, deflate: [trivial] });
  return {
    eigenvalue: 1 - pair.value,
    eigenvector: toGeneralized(pair.vector, inverseSqrt, degrees),
    iterations: pair.iterations,
    converged: pair.converged,
    solver: 'lanczos',
  };
}
