/**
 * Dense patch-level affinity graphs from per-node feature vectors (ViT keys, relevance, colour,
 * position, or a weighted concatenation of these).
 */
import { ensure, ensureInteger, ensureNumber } from '../core/index.js';
import type { DenseGraph } from './graph.js';

/** `count` nodes, each a `dim`-vector, row-major in `data`. */
export interface NodeFeatures {
  readonly data: Float32Array;
  readonly count: number;
  readonly dim: number;
}

export interface CosineAffinityOptions {
  /** Similarities above tau become 1 (binary) or stay (non-binary); the rest become eps. Default 0.2. */
  tau?: number;
  /** Weight of a non-edge; keeps the graph connected so D is invertible. Default 1e-5. */
  eps?: number;
  /** TokenCut's binary graph (default true); false keeps the cosine value above tau. */
  binary?: boolean;
}

export interface GaussianAffinityOptions {
  /** w_ij = exp(-||f_i - f_j||^2 / sigma^2). Default 1. */
  sigma?: number;
}

export interface FeatureBlock {
  readonly features: NodeFeatures;
  /** Multiplies the block before concatenation, so its share of squared distances scales by weight^2. */
  readonly weight?: number;
}

export function ensureNodeFeatures(features: NodeFeatures, what = 'the node features'): void {
  const count = ensureInteger(features.count, `${what}' count`, { min: 1 });
  const dim = ensureInteger(features.dim, `${what}' dim`, { min: 1 });
  ensure(features.data instanceof Float32Array && features.data.length === count * dim,
    `a Float32Array of ${count * dim} values (count x dim)`, `${what}' data`, features.data);
}

/** Rows scaled to unit L2 norm in float64; an all-zero row stays zero (its similarities are 0). */
function unitRows(features: NodeFeatures): Float64Array {
  const { data, count, dim } = features;
  const unit = new Float64Array(count * dim);
  for (let i = 0; i < count; i++) {
    let norm = 0;
    for (let k = i * dim; k < (i + 1) * dim; k++) norm += data[k]! * data[k]!;
    const scale = norm > 1e-24 ? 1 / Math.sqrt(norm) : 0;
    for (let k = i * dim; k < (i + 1) * dim; k++) unit[k] = data[k]! * scale;
  }
  return unit;
}

/**
 * Dot products of rows first..first+count-1 of `unit` with row j, into `out`. Four rows share each load
 * of row j (register blocking), which quarters memory traffic: the n^2 d / 2 products dominate TokenCut.
 */
function blockDotProducts(unit: Float64Array, dim: number, out: Float64Array): (first: number, count: number, j: number) => void {
  return (first, count, j) => {
    const rowJ = j * dim;
    const last = first + count - 1;
    const row0 = first * dim;
    const row1 = Math.min(first + 1, last) * dim;
    const row2 = Math.min(first + 2, last) * dim;
    const row3 = Math.min(first + 3, last) * dim;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    for (let k = 0; k < dim; k++) {
      const b = unit[rowJ + k]!;
      s0 += unit[row0 + k]! * b;
      s1 += unit[row1 + k]! * b;
      s2 += unit[row2 + k]! * b;
      s3 += unit[row3 + k]! * b;
    }
    out[0] = s0;
    out[1] = s1;
    out[2] = s2;
    out[3] = s3;
  };
}

/**
 * TokenCut's affinity (Wang et al., "Self-Supervised Transformers for Unsupervised Object Discovery
 * using Normalized Cut", CVPR 2022, eq. 3): w_ij = 1 if cos(f_i, f_j) > tau else eps. The diagonal is
 * kept (a node is similar to itself), as in TokenCut.
 *
 * @example affinityCosine({ data: keys, count: 196, dim: 384 }, { tau: 0.2 })
 */
export function affinityCosine(features: NodeFeatures, options: CosineAffinityOptions = {}): DenseGraph {
  ensureNodeFeatures(features);
  const tau = ensureNumber(options.tau ?? 0.2, 'tau', { min: -1, max: 1 });
  const eps = ensureNumber(options.eps ?? 1e-5, 'eps', { min: 0 });
  const binary = options.binary ?? true;
  const { count: n, dim } = features;
  const unit = unitRows(features);
  const weights = new Float32Array(n * n);
  const similarities = new Float64Array(4);
  const dotRows = blockDotProducts(unit, dim, similarities);
  for (let i0 = 0; i0 < n; i0 += 4) {
    const block = Math.min(4, n - i0);
    for (let j = i0; j < n; j++) {
      dotRows(i0, block, j);
      for (let b = 0; b < block && i0 + b <= j; b++) {
        const similarity = similarities[b]!;
        const w = similarity > tau ? (binary ? 1 : similarity) : eps;
        weights[(i0 + b) * n + j] = w;
        weights[j * n + i0 + b] = w;
      }
    }
  }
  return { kind: 'dense', size: n, weights };
}

/**
 * Gaussian affinity w_ij = exp(-||f_i - f_j||^2 / sigma^2) (Shi & Malik, PAMI 2000, eq. 11, feature term).
 * The diagonal is 1.
 */
export function affinityGaussian(features: NodeFeatures, options: GaussianAffinityOptions = {}): DenseGraph {
  ensureNodeFeatures(features);
  const sigma = ensureNumber(options.sigma ?? 1, 'sigma', { min: Number.MIN_VALUE });
  const { data, count: n, dim } = features;
  const weights = new Float32Array(n * n);
  const inverseSigma2 = 1 / (sigma * sigma);
  for (let i = 0; i < n; i++) {
    weights[i * n + i] = 1;
    for (let j = i + 1; j < n; j++) {
      let distance2 = 0;
      for (let k = 0; k < dim; k++) {
        const diff = data[i * dim + k]! - data[j * dim + k]!;
        distance2 += diff * diff;
      }
      const w = Math.exp(-distance2 * inverseSigma2);
      weights[i * n + j] = w;
      weights[j * n + i] = w;
    }
  }
  return { kind: 'dense', size: n, weights };
}

/** Weighted concatenation of feature blocks over the same nodes (keys ++ relevance ++ position, ...). */
export function concatenateFeatures(blocks: readonly FeatureBlock[]): NodeFeatures {
  ensure(Array.isArray(blocks) && blocks.length > 0, 'a non-empty array of feature blocks', 'the blocks', blocks);
  blocks.forEach((block, b) => ensureNodeFeatures(block.features, `block ${b}`));
  const count = blocks[0]!.features.count;
  blocks.forEach((block, b) => ensure(block.features.count === count, `${count} nodes`, `block ${b}`, block.features.count));
  const dim = blocks.reduce((sum, block) => sum + block.features.dim, 0);
  const data = new Float32Array(count * dim);
  let offset = 0;
  for (const block of blocks) {
    const weight = ensureNumber(block.weight ?? 1, 'a block weight', { min: 0 });
    const { data: source, dim: blockDim } = block.features;
    for (let i = 0; i < count; i++) {
      for (let k = 0; k < blockDim; k++) data[i * dim + offset + k] = weight * source[i * blockDim + k]!;
    }
    offset += blockDim;
  }
  return { data, count, dim };
}

/** Node positions (row, col) on a rows x cols grid scaled to [0, 1], as a 2-d feature block. */
export function gridPositionFeatures(grid: { rows: number; cols: number }): NodeFeatures {
  const rows = ensureInteger(grid.rows, 'grid rows', { min: 1 });
  const cols = ensureInteger(grid.cols, 'grid cols', { min: 1 });
  const data = new Float32Array(rows * cols * 2);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      data[(r * cols + c) * 2] = rows > 1 ? r / (rows - 1) : 0;
      data[(r * cols + c) * 2 + 1] = cols > 1 ? c / (cols - 1) : 0;
    }
  }
  return { data, count: rows * cols, dim: 2 };
}
