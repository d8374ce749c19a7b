/**
 * The student's input per token: the last-layer patch token, optionally with the mean of its 3x3
 * neighbourhood (`context`) and the token's position (`position`: y, x, y^2, x^2 in [-1, 1] from the centre,
 * so a logistic student can learn a centred blob if the pseudo-masks show one).
 */
import type { PatchGrid } from '../../core/index.js';

export interface StudentFeatureOptions {
  readonly context: boolean;
  readonly position: boolean;
}

const POSITION_FEATURES = 4;

export function studentFeatureDim(tokenDim: number, options: StudentFeatureOptions): number {
  return (options.context ? 2 * tokenDim : tokenDim) + (options.position ? POSITION_FEATURES : 0);
}

function neighbourhoodMean(tokens: Float32Array, grid: PatchGrid, dim: number, cell: { r: number; c: number }, out: Float32Array): void {
  let n = 0;
  for (let dr = -1; dr <= 1; dr++) for (let dc = -1; dc <= 1; dc++) {
    const [rr, cc] = [cell.r + dr, cell.c + dc];
    if (rr < 0 || cc < 0 || rr >= grid.rows || cc >= grid.cols) continue;
    const offset = (rr * grid.cols + cc) * dim;
    for (let d = 0; d < dim; d++) out[d]! += tokens[offset + d]!;
    n++;
  }
  for (let d = 0; d < dim; d++) out[d]! /= n;
}

/** Features [tokens, studentFeatureDim] of one image's tokens [tokens, dim] on `grid`. */
export function studentFeatures(tokens: Float32Array, grid: PatchGrid, options: StudentFeatureOptions & { dim: number }): Float32Array {
  const { dim } = options;
  if (!options.context && !options.position) return tokens;
  const width = studentFeatureDim(dim, options);
  const out = new Float32Array(grid.rows * grid.cols * width);
  for (let r = 0; r < grid.rows; r++) for (let c = 0; c < grid.cols; c++) {
    const t = r * grid.cols + c;
    const row = out.subarray(t * width, (t + 1) * width);
    row.set(tokens.subarray(t * dim, (t + 1) * dim));
    if (options.context) neighbourhoodMean(tokens, grid, dim, { r, c }, row.subarray(dim, 2 * dim));
    if (options.position) {
      const [y, x] = [(2 * (r + 0.5)) / grid.rows - 1, (2 * (c + 0.5)) / grid.cols - 1];
      row.set([y, x, y * y, x * x], width - POSITION_FEATURES);
    }
  }
  return out;
}
