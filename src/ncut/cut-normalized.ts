/**
 * Shi-Malik bipartition: the second generalized eigenvector, split by a threshold rule.
 */
import { ensureOneOf } from '../core/index.js';
import { ensureGraph, forEachNeighbour, graphDegrees, normalizedCutValue, selfWeight } from './graph.js';
import type { AffinityGraph } from './graph.js';
import { secondGeneralizedEigenpair } from './spectral.js';
import type { SpectralOptions } from './spectral.js';

/** 'mean' (TokenCut), 'zero', 'median', or 'sweep': the threshold with the lowest NCut over every split. */
export type SplitRule = 'mean' | 'zero' | 'median' | 'sweep';
export const SPLIT_RULES: readonly SplitRule[] = ['mean', 'zero', 'median', 'sweep'];

export interface CutOptions extends SpectralOptions {
  split?: SplitRule;
}

export interface CutResult {
  /** 1 where eigenvector > threshold, else 0. */
  readonly partition: Uint8Array;
  /** Second generalized eigenvector y (y^T D y = 1, largest |y_i| positive). */
  readonly eigenvector: Float64Array;
  readonly eigenvalue: number;
  /** NCut(A, B) of the partition; Infinity when one side is empty. */
  readonly ncut: number;
  readonly threshold: number;
  readonly iterations: number;
  readonly converged: boolean;
  readonly solver: 'lanczos' | 'dense';
}

function median(values: Float64Array): number {
  const sorted = Float64Array.from(values).sort();
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : 0.5 * (sorted[middle - 1]! + sorted[middle]!);
}

/**
 * Best threshold over all n - 1 splits of the sorted eigenvector (Shi & Malik 2000, sec. 3.1 search
 * the splitting point over l evenly spaced values; here over every distinct value). Moving node k into
 * A changes the cut by d_k - w_kk - 2 w(k, A), so the whole sweep costs one pass over the edges.
 */
function sweepThreshold(graph: AffinityGraph, eigenvector: Float64Array): number {
  const n = graph.size;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => eigenvector[b]! - eigenvector[a]!);
  const degrees = graphDegrees(graph);
  const total = degrees.reduce((s, d) => s + d, 0);
  const inA = new Uint8Array(n);
  let cut = 0;
  let volumeA = 0;
  let best = { ncut: Infinity, threshold: eigenvector[order[0]!]! };
  for (let position = 0; position < n - 1; position++) {
    const k = order[position]!;
    let towardA = 0;
    forEachNeighbour(graph, k, (j, w) => {
      if (inA[j] === 1 && j !== k) towardA += w;
    });
    cut += degrees[k]! - selfWeight(graph, k) - 2 * towardA;
    volumeA += degrees[k]!;
    inA[k] = 1;
    const here = eigenvector[k]!;
    const next = eigenvector[order[position + 1]!]!;
    if (here === next) continue;
    const ncut = cut / volumeA + cut / (total - volumeA);
    if (ncut < best.ncut) best = { ncut, threshold: 0.5 * (here + next) };
  }
  return best.threshold;
}

function chooseThreshold(graph: AffinityGraph, eigenvector: Float64Array, rule: SplitRule): number {
  if (rule === 'zero') return 0;
  if (rule === 'median') return median(eigenvector);
  if (rule === 'sweep') return sweepThreshold(graph, eigenvector);
  return eigenvector.reduce((s, v) => s + v, 0) / eigenvector.length;
}

function isUniformDense(graph: AffinityGraph): boolean {
  if (graph.kind !== 'dense') return false;
  const first = graph.weights[0]!;
  return graph.weights.every((w) => w === first);
}

/**
 * Normalized Cut bipartition (Shi & Malik, "Normalized Cuts and Image Segmentation", PAMI 2000):
 * solve (D - W) y = lambda D y for the second-smallest eigenpair and split y by `split`.
 * A single node or a uniform dense graph (constant features) has no preferred cut: the early return
 * gives an all-zero partition, a zero eigenvector and NCut Infinity.
 *
 * @example cutNormalized(affinityCosine(features), { split: 'mean', seed: 0 }).partition
 */
export function cutNormalized(graph: AffinityGraph, options: CutOptions = {}): CutResult {
  ensureGraph(graph);
  const split = ensureOneOf(options.split ?? 'mean', 'split', SPLIT_RULES);
  const n = graph.size;
  if (n < 2 || isUniformDense(graph)) {
    return {
      partition: new Uint8Array(n), eigenvector: new Float64Array(n), eigenvalue: 0, ncut: Infinity,
      threshold: 0, iterations: 0, converged: true, solver: 'dense',
    };
  }
  const { split: _split, ...spectralOptions } = options;
  const pair = secondGeneralizedEigenpair(graph, spectralOptions);
  const threshold = chooseThreshold(graph, pair.eigenvector, split);
  const partition = new Uint8Array(n);
  for (let i = 0; i < n; i++) partition[i] = pair.eigenvector[i]! > threshold ? 1 : 0;
  return { ...pair, partition, threshold, ncut: normalizedCutValue(graph, partition) };
}
