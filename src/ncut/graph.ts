/**
 * Weighted undirected graphs for Normalized Cut, in two storages: a dense row-major Float32Array
 * (patch graphs of a few thousand nodes, computed once and reused by every matrix-vector product)
 * and a CSR sparse matrix (pixel graphs over a radius neighbourhood). Both are symmetric by contract.
 */
import { ensure, ensureInteger } from '../core/index.js';

export interface DenseGraph {
  readonly kind: 'dense';
  readonly size: number;
  /** size x size, row-major, symmetric, non-negative. */
  readonly weights: Float32Array;
}

export interface SparseGraph {
  readonly kind: 'sparse';
  readonly size: number;
  /** CSR row pointers, length size + 1. */
  readonly rowStart: Int32Array;
  /** Column index of each stored weight, sorted within a row. */
  readonly columns: Int32Array;
  readonly weights: Float32Array;
}

export type AffinityGraph = DenseGraph | SparseGraph;

/** Validates storage sizes (not symmetry, which would cost a full pass): throws InvalidArgumentError. */
export function ensureGraph(graph: AffinityGraph, what = 'the affinity graph'): void {
  ensure(graph !== null && typeof graph === 'object' && (graph.kind === 'dense' || graph.kind === 'sparse'),
    "a graph of kind 'dense' or 'sparse'", what, graph);
  const n = ensureInteger(graph.size, `${what}'s size`, { min: 1 });
  if (graph.kind === 'dense') {
    ensure(graph.weights instanceof Float32Array && graph.weights.length === n * n,
      `a Float32Array of ${n * n} weights`, `${what}'s weights`, graph.weights);
    return;
  }
  ensure(graph.rowStart instanceof Int32Array && graph.rowStart.length === n + 1,
    `an Int32Array of ${n + 1} row pointers`, `${what}'s rowStart`, graph.rowStart);
  const nnz = graph.rowStart[n]!;
  ensure(graph.columns.length === nnz && graph.weights.length === nnz,
    `${nnz} columns and weights`, `${what}'s CSR arrays`, graph.columns);
}

/** Row sums d_i = sum_j w_ij (the diagonal of D in Shi and Malik's notation). */
export function graphDegrees(graph: AffinityGraph): Float64Array {
  const n = graph.size;
  const degrees = new Float64Array(n);
  if (graph.kind === 'dense') {
    const w = graph.weights;
    for (let i = 0; i < n; i++) {
      let sum = 0;
      for (let j = i * n, end = j + n; j < end; j++) sum += w[j]!;
      degrees[i] = sum;
    }
    return degrees;
  }
  const { rowStart, weights } = graph;
  for (let i = 0; i < n; i++) {
    let sum = 0;
    for (let k = rowStart[i]!; k < rowStart[i + 1]!; k++) sum += weights[k]!;
    degrees[i] = sum;
  }
  return degrees;
}

/** out = W x. Kept allocation-free because the eigensolver calls it once per iteration. */
export function multiplyGraph(graph: AffinityGraph, x: Float64Array, out: Float64Array): void {
  const n = graph.size;
  if (graph.kind === 'dense') {
    const w = graph.weights;
    for (let i = 0; i < n; i++) {
      const row = i * n;
      let s0 = 0;
      let s1 = 0;
      let j = 0;
      // Two accumulators break the add dependency chain; measurably faster in V8.
      for (; j + 1 < n; j += 2) {
        s0 += w[row + j]! * x[j]!;
        s1 += w[row + j + 1]! * x[j + 1]!;
      }
      if (j < n) s0 += w[row + j]! * x[j]!;
      out[i] = s0 + s1;
    }
    return;
  }
  const { rowStart, columns, weights } = graph;
  for (let i = 0; i < n; i++) {
    let sum = 0;
    for (let k = rowStart[i]!; k < rowStart[i + 1]!; k++) sum += weights[k]! * x[columns[k]!]!;
    out[i] = sum;
  }
}

/** Visits the stored neighbours (including any self loop) of node i. */
export function forEachNeighbour(graph: AffinityGraph, i: number, visit: (j: number, weight: number) => void): void {
  if (graph.kind === 'dense') {
    const row = i * graph.size;
    for (let j = 0; j < graph.size; j++) visit(j, graph.weights[row + j]!);
    return;
  }
  for (let k = graph.rowStart[i]!; k < graph.rowStart[i + 1]!; k++) visit(graph.columns[k]!, graph.weights[k]!);
}

/** Weight of the self loop w_ii (zero when not stored). */
export function selfWeight(graph: AffinityGraph, i: number): number {
  if (graph.kind === 'dense') return graph.weights[i * graph.size + i]!;
  for (let k = graph.rowStart[i]!; k < graph.rowStart[i + 1]!; k++) if (graph.columns[k] === i) return graph.weights[k]!;
  return 0;
}

/**
 * Shi and Malik's NCut(A, B) = cut(A, B) / assoc(A, V) + cut(A, B) / assoc(B, V), with A the nodes where
 * `partition` is 1 (Shi & Malik, "Normalized Cuts and Image Segmentation", PAMI 2000, eq. 2).
 * Returns Infinity when one side is empty: that is not a cut.
 */
export function normalizedCutValue(graph: AffinityGraph, partition: Uint8Array): number {
  ensure(partition.length === graph.size, `a partition of ${graph.size} entries`, 'the partition', partition);
  const degrees = graphDegrees(graph);
  let volumeA = 0;
  let volumeB = 0;
  let cut = 0;
  for (let i = 0; i < graph.size; i++) {
    const inA = partition[i] === 1;
    if (inA) volumeA += degrees[i]!;
    else volumeB += degrees[i]!;
    if (!inA) continue;
    forEachNeighbour(graph, i, (j, w) => {
      if (partition[j] !== 1) cut += w;
    });
  }
  if (volumeA === 0 || volumeB === 0) return Infinity;
  return cut / volumeA + cut / volumeB;
}
