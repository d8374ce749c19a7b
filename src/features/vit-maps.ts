/**
 * Feature maps from the ViT's last block (paper section 3.4), computed from plain arrays so this
 * stage needs no model: CLS-to-patch attention (Caron et al. 2021, "Emerging Properties in
 * Self-Supervised Vision Transformers", fig. 1), patch-token L2 norm, and the first principal
 * component of the patch tokens (as in DINO/TokenCut-style PCA visualisations).
 *
 * Shapes (one image, row-major):
 *   attention    [heads, 1 + N, 1 + N], softmax rows of the last block; token 0 is CLS
 *   patchTokens  [N, dim], the last block's patch tokens without CLS
 * with N = rows * cols patches in row-major order.
 */
import { createScalarMap, ensure, ensureInteger, type PatchGrid, type ScalarMap } from '../core/index.js';

function patchCount(grid: PatchGrid): number {
  ensureInteger(grid.rows, 'the patch grid rows', { min: 1 });
  ensureInteger(grid.cols, 'the patch grid cols', { min: 1 });
  return grid.rows * grid.cols;
}

function attentionHeads(attention: Float32Array, grid: PatchGrid): number {
  const tokens = patchCount(grid) + 1;
  const heads = attention.length / (tokens * tokens);
  ensure(Number.isInteger(heads) && heads >= 1, `a multiple of ${tokens * tokens} values ([heads, 1+N, 1+N])`, 'the attention array', attention);
  return heads;
}

/** The CLS row of one head, over patches: attention[head, 0, 1:]. */
export function headAttentionMap(attention: Float32Array, grid: PatchGrid, head: number): ScalarMap {
  const heads = attentionHeads(attention, grid);
  ensureInteger(head, 'the attention head', { min: 0, max: heads - 1 });
  const tokens = patchCount(grid) + 1;
  const start = head * tokens * tokens + 1;
  return createScalarMap(grid.rows, grid.cols, attention.slice(start, start + tokens - 1));
}

/** One CLS-to-patch map per head. */
export function perHeadAttentionMaps(attention: Float32Array, grid: PatchGrid): ScalarMap[] {
  const heads = attentionHeads(attention, grid);
  return Array.from({ length: heads }, (_, head) => headAttentionMap(attention, grid, head));
}

/** Mean over heads of the CLS-to-patch attention (the default feature map). */
export function clsAttentionMap(attention: Float32Array, grid: PatchGrid): ScalarMap {
  const maps = perHeadAttentionMaps(attention, grid);
  const out = createScalarMap(grid.rows, grid.cols);
  for (const map of maps) for (let i = 0; i < out.data.length; i++) out.data[i] = out.data[i]! + map.data[i]! / maps.length;
  return out;
}

function tokenDim(patchTokens: Float32Array, grid: PatchGrid): number {
  const count = patchCount(grid);
  const dim = patchTokens.length / count;
  ensure(Number.isInteger(dim) && dim >= 1, `a multiple of ${count} values ([N, dim])`, 'the patch tokens', patchTokens);
  return dim;
}

/** L2 norm of each patch token. */
export function tokenNormMap(patchTokens: Float32Array, grid: PatchGrid): ScalarMap {
  const dim = tokenDim(patchTokens, grid);
  const out = createScalarMap(grid.rows, grid.cols);
  for (let p = 0; p < out.data.length; p++) {
    let sum = 0;
    for (let d = 0; d < dim; d++) sum += patchTokens[p * dim + d]! ** 2;
    out.data[p] = Math.sqrt(sum);
  }
  return out;
}

export interface PrincipalComponentOptions {
  /** The sign is chosen so the component correlates positively with this map (e.g. CLS attention). */
  readonly signReference?: ScalarMap;
  readonly maxIterations?: number;
  readonly tolerance?: number;
}

/**
 * Projection of the centred patch tokens on their first principal component, by power iteration on
 * the covariance (Golub & Van Loan, "Matrix Computations", 7.3.1). The eigenvector's sign is
 * arbitrary; it is fixed to agree with `signReference`, or else so that the largest |projection| is
 * positive. Identical tokens (zero covariance) give a map of zeros.
 */
export function principalComponentMap(patchTokens: Float32Array, grid: PatchGrid, options: PrincipalComponentOptions = {}): ScalarMap {
  const dim = tokenDim(patchTokens, grid);
  const count = patchCount(grid);
  const centred = centreColumns(patchTokens, count, dim);
  const covariance = covarianceOf(centred, count, dim);
  const vector = dominantEigenvector(covariance, dim, options);
  const out = createScalarMap(grid.rows, grid.cols);
  if (vector === undefined) return out;
  for (let p = 0; p < count; p++) {
    let projection = 0;
    for (let d = 0; d < dim; d++) projection += centred[p * dim + d]! * vector[d]!;
    out.data[p] = projection;
  }
  if (orientation(out.data, options.signReference) < 0) for (let p = 0; p < count; p++) out.data[p] = -out.data[p]!;
  return out;
}

function centreColumns(tokens: Float32Array, count: number, dim: number): Float64Array {
  const centred = Float64Array.from(tokens);
  for (let d = 0; d < dim; d++) {
    let mean = 0;
    for (let p = 0; p < count; p++) mean += centred[p * dim + d]!;
    mean /= count;
    for (let p = 0; p < count; p++) centred[p * dim + d] = centred[p * dim + d]! - mean;
  }
  return centred;
}

function covarianceOf(centred: Float64Array, count: number, dim: number): Float64Array {
  const covariance = new Float64Array(dim * dim);
  for (let p = 0; p < count; p++) {
    const row = p * dim;
    for (let i = 0; i < dim; i++) {
      const value = centred[row + i]!;
      if (value === 0) continue;
      for (let j = i; j < dim; j++) covariance[i * dim + j] = covariance[i * dim + j]! + value * centred[row + j]!;
    }
  }
  for (let i = 0; i < dim; i++) for (let j = 0; j < i; j++) covariance[i * dim + j] = covariance[j * dim + i]!;
  return covariance;
}

/** Power iteration from a deterministic start; undefined when the matrix is zero. */
function dominantEigenvector(matrix: Float64Array, dim: number, options: PrincipalComponentOptions): Float64Array | undefined {
  const maxIterations = options.maxIterations ?? 1000;
  const tolerance = options.tolerance ?? 1e-10;
  // A start vector with unequal entries avoids being orthogonal to the eigenvector by symmetry.
  let vector = Float64Array.from({ length: dim }, (_, i) => 1 + i / dim);
  for (let iteration = 0; iteration < maxIterations; iteration++) {
    const next = new Float64Array(dim);
    for (let i = 0; i < dim; i++) {
      let sum = 0;
      for (let j = 0; j < dim; j++) sum += matrix[i * dim + j]! * vector[j]!;
      next[i] = sum;
    }
    const norm = Math.hypot(...next);
    if (!(norm > 1e-30)) return undefined;
    let change = 0;
    for (let i = 0; i < dim; i++) {
      next[i] = next[i]! / norm;
      change = Math.max(change, Math.abs(next[i]! - vector[i]!));
    }
    vector = next;
    if (change < tolerance) break;
  }
  return vector;
}

/** +1 or -1: the sign making `values` agree with the reference (or its largest |value| positive). */
function orientation(values: Float32Array, reference?: ScalarMap): number {
  if (reference !== undefined) {
    ensure(reference.data.length === values.length, `${values.length} values`, 'the PCA sign reference', reference.data);
    let dot = 0;
    let referenceMean = 0;
    for (const value of reference.data) referenceMean += value / values.length;
    for (let i = 0; i < values.length; i++) dot += values[i]! * (reference.data[i]! - referenceMean);
    if (dot !== 0) return Math.sign(dot);
  }
  let extreme = 0;
  for (const value of values) if (Math.abs(value) > Math.abs(extreme)) extreme = value;
  return extreme < 0 ? -1 : 1;
}
