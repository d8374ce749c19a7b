/**
 * Token labels from a pseudo-mask for the student head (issue 14, section 3; the "learn" stage of CutLER,
 * Wang et al., CVPR 2023): each patch token's target is the fraction of foreground pixels in its patch, and
 * its confidence weight is how pure the patch is (|2f - 1|) times, when the teacher's map is given, how far
 * the token's map value lies from the threshold the mask was cut at. Tokens below `minConfidence` get weight 0
 * and are left out of training (boundary patches and tokens the teacher was unsure about).
 */
import { ensure, ensureNumber, type Mask, type PatchGrid, type ScalarMap } from '../core/index.js';

export interface TokenTargetOptions {
  /** The teacher's map on the patch grid (rows x cols of `grid`); omitted: purity alone. */
  readonly map?: ScalarMap;
  /** The map value the pseudo-mask was cut at (needed with `map`). */
  readonly threshold?: number;
  /** Map distance from the threshold that counts as fully confident (default: the map's standard deviation). */
  readonly margin?: number;
  /** Weights below this are set to 0 (default 0.3). */
  readonly minConfidence?: number;
}

export interface TokenTargets {
  /** Foreground fraction per token, [tokens] in [0, 1], row-major on the grid. */
  readonly targets: Float32Array;
  /** Confidence weight per token in [0, 1]; 0 = left out. */
  readonly weights: Float32Array;
}

/** Fraction of foreground pixels of `mask` in each cell of `grid` (cells cover rows [r R/gr, (r+1) R/gr)). */
export function patchForegroundFractions(mask: Mask, grid: PatchGrid): Float32Array {
  ensure(mask.rows >= grid.rows && mask.cols >= grid.cols, `a mask of at least ${grid.rows}x${grid.cols}`, 'the pseudo-mask', `${mask.rows}x${mask.cols}`);
  const sums = new Float64Array(grid.rows * grid.cols);
  const counts = new Float64Array(grid.rows * grid.cols);
  for (let y = 0; y < mask.rows; y++) {
    const r = Math.min(grid.rows - 1, Math.floor((y * grid.rows) / mask.rows));
    for (let x = 0; x < mask.cols; x++) {
      const cell = r * grid.cols + Math.min(grid.cols - 1, Math.floor((x * grid.cols) / mask.cols));
      sums[cell]! += mask.data[y * mask.cols + x]! ? 1 : 0;
      counts[cell]! += 1;
    }
  }
  return Float32Array.from(sums, (sum, cell) => sum / counts[cell]!);
}

function standardDeviation(values: Float32Array): number {
  let mean = 0;
  for (const v of values) mean += v / values.length;
  let variance = 0;
  for (const v of values) variance += (v - mean) ** 2 / values.length;
  return Math.sqrt(variance);
}

/**
 * Targets and confidence weights of one image's tokens.
 *
 * @example tokenTargets(pseudoMask, { rows: 14, cols: 14 }, { map: teacherMap, threshold: 0.3 })
 */
export function tokenTargets(mask: Mask, grid: PatchGrid, options: TokenTargetOptions = {}): TokenTargets {
  const targets = patchForegroundFractions(mask, grid);
  const minConfidence = ensureNumber(options.minConfidence ?? 0.3, 'the minimum token confidence', { min: 0, max: 1 });
  const weights = targets.map((f) => Math.abs(2 * f - 1));
  if (options.map) {
    const { map } = options;
    ensure(map.rows === grid.rows && map.cols === grid.cols, `a map of ${grid.rows}x${grid.cols} (the patch grid)`, 'the teacher map', `${map.rows}x${map.cols}`);
    const threshold = ensureNumber(options.threshold, 'the pseudo-mask threshold');
    const margin = options.margin ?? standardDeviation(map.data);
    ensureNumber(margin, 'the confidence margin', { min: 0 });
    for (let t = 0; t < weights.length; t++) {
      weights[t] = weights[t]! * (margin === 0 ? 1 : Math.min(1, Math.abs(map.data[t]! - threshold) / margin));
    }
  }
  for (let t = 0; t < weights.length; t++) if (weights[t]! < minConfidence) weights[t] = 0;
  return { targets, weights };
}
