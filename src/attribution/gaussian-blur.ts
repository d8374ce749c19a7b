/**
 * Separable Gaussian smoothing of float planes, used for the blurred IG baseline and for smoothing
 * relevance maps. Edges are handled by reflection (scipy.ndimage 'reflect': d c b a | a b c d),
 * the kernel is truncated at 4 sigma and normalised to sum 1 (as scipy.ndimage.gaussian_filter).
 */
import { ensureNumber } from '../core/index.js';

/** The 1-D kernel, radius round(4 sigma), normalised to sum 1. */
export function gaussianKernel(sigma: number): Float64Array {
  ensureNumber(sigma, 'the Gaussian sigma', { min: 0 });
  const radius = Math.round(4 * sigma);
  const kernel = new Float64Array(2 * radius + 1);
  if (radius === 0) {
    kernel[0] = 1;
    return kernel;
  }
  let total = 0;
  for (let offset = -radius; offset <= radius; offset++) {
    const value = Math.exp((-0.5 * offset * offset) / (sigma * sigma));
    kernel[offset + radius] = value;
    total += value;
  }
  return kernel.map((value) => value / total);
}

/** Index reflected into [0, length): -1 -> 0, -2 -> 1, length -> length - 1 (half-sample symmetric). */
function reflectIndex(index: number, length: number): number {
  if (length === 1) return 0;
  const period = 2 * length;
  let wrapped = ((index % period) + period) % period;
  if (wrapped >= length) wrapped = period - 1 - wrapped;
  return wrapped;
}

/**
 * Gaussian blur of one rows x cols plane, separable (rows pass then cols pass).
 * sigma 0 returns a copy. Matches scipy.ndimage.gaussian_filter(mode='reflect', truncate=4).
 */
export function gaussianBlurPlane(plane: Float32Array, rows: number, cols: number, sigma: number): Float32Array {
  const kernel = gaussianKernel(sigma);
  if (kernel.length === 1) return plane.slice();
  const radius = (kernel.length - 1) / 2;
  const horizontal = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      let sum = 0;
      for (let k = -radius; k <= radius; k++) sum += kernel[k + radius]! * plane[r * cols + reflectIndex(c + k, cols)]!;
      horizontal[r * cols + c] = sum;
    }
  }
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      let sum = 0;
      for (let k = -radius; k <= radius; k++) sum += kernel[k + radius]! * horizontal[reflectIndex(r + k, rows) * cols + c]!;
      out[r * cols + c] = sum;
    }
  }
  return out;
}
