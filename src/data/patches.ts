import { ensure, ensureInteger, ensureNumber, type Mask } from '../core/index.js';
import type { CropRect } from './batch.js';

/** How to cut images into square patches and when a patch counts as positive. */
export interface PatchOptions {
  /** Patch side in pixels; when absent, `fractionOfShortSide` of each image's shorter side. */
  size?: number;
  /** Default 0.25: a 4 x 4-ish grid on a square image. */
  fractionOfShortSide?: number;
  /** Step between patches; default the patch size (no overlap). */
  stride?: number;
  /** A patch is positive when its foreground fraction is at least this. Default 0.25. */
  positiveFraction?: number;
  /** A patch is negative when its foreground fraction is at most this. Default 0 (no foreground pixel). */
  negativeFraction?: number;
}

export interface LabelledPatch {
  readonly crop: CropRect;
  readonly foregroundFraction: number;
  /** 1 positive, 0 negative; patches between the two thresholds are left out. */
  readonly label: 0 | 1;
}

/** Summed-area table (Crow 1984; Viola-Jones "integral image"): any rectangle's count in four lookups. */
export function integralMask(mask: Mask): Float64Array {
  const stride = mask.cols + 1;
  const table = new Float64Array((mask.rows + 1) * stride);
  for (let y = 0; y < mask.rows; y++) {
    let rowSum = 0;
    for (let x = 0; x < mask.cols; x++) {
      rowSum += mask.data[y * mask.cols + x] ? 1 : 0;
      table[(y + 1) * stride + x + 1] = table[y * stride + x + 1]! + rowSum;
    }
  }
  return table;
}

export function countInRect(table: Float64Array, cols: number, crop: CropRect): number {
  const stride = cols + 1;
  const bottom = crop.top + crop.rows;
  const right = crop.left + crop.cols;
  return table[bottom * stride + right]! - table[crop.top * stride + right]! - table[bottom * stride + crop.left]! + table[crop.top * stride + crop.left]!;
}

/** Side of the square patch for an image of rows x cols under `options` (at least 1, at most the short side). */
export function patchSizeFor(rows: number, cols: number, options: PatchOptions = {}): number {
  const shortSide = Math.min(rows, cols);
  if (options.size !== undefined) return ensureInteger(options.size, 'the patch size', { min: 1 });
  const fraction = ensureNumber(options.fractionOfShortSide ?? 0.25, 'the patch fraction of the short side', { min: 0, max: 1 });
  return Math.max(1, Math.min(shortSide, Math.floor(shortSide * fraction)));
}

/** Top-left corners of a regular grid of size x size patches that fit entirely inside rows x cols. */
export function patchGrid(rows: number, cols: number, size: number, stride = size): CropRect[] {
  ensureInteger(size, 'the patch size', { min: 1 });
  ensureInteger(stride, 'the patch stride', { min: 1 });
  const crops: CropRect[] = [];
  for (let top = 0; top + size <= rows; top += stride) {
    for (let left = 0; left + size <= cols; left += stride) crops.push({ top, left, rows: size, cols: size });
  }
  return crops;
}

/**
 * Labels grid patches of one image from its mask, the way weakly supervised segmentation turns a
 * segmentation set without negative images into a patch classification set (e.g. Kvasir-SEG, whose
 * every frame shows a polyp): positive above `positiveFraction`, negative at or below `negativeFraction`,
 * ambiguous patches dropped. An image smaller than one patch yields nothing.
 */
export function labelPatches(mask: Mask, options: PatchOptions = {}): LabelledPatch[] {
  const positive = ensureNumber(options.positiveFraction ?? 0.25, 'the positive patch fraction', { min: 0, max: 1 });
  const negative = ensureNumber(options.negativeFraction ?? 0, 'the negative patch fraction', { min: 0, max: 1 });
  ensure(negative < positive, `a negative fraction below the positive one (${positive})`, 'the negative patch fraction', negative);
  const size = patchSizeFor(mask.rows, mask.cols, options);
  if (size > mask.rows || size > mask.cols) return [];
  const table = integralMask(mask);
  const patches: LabelledPatch[] = [];
  for (const crop of patchGrid(mask.rows, mask.cols, size, options.stride ?? size)) {
    const fraction = countInRect(table, mask.cols, crop) / (crop.rows * crop.cols);
    if (fraction >= positive && fraction > 0) patches.push({ crop, foregroundFraction: fraction, label: 1 });
    else if (fraction <= negative) patches.push({ crop, foregroundFraction: fraction, label: 0 });
  }
  return patches;
}
