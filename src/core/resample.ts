import { createImageTensor, createMask, createScalarMap, type ImageTensor, type Mask, type ScalarMap } from './types.js';
import { ensureInteger } from './validate.js';

/**
 * Bilinear resampling of one float plane with half-pixel centres (PyTorch `align_corners=False`,
 * OpenCV INTER_LINEAR). Enough for upsampling maps; downsample photos with sharp instead (it antialiases).
 */
export function resizePlaneBilinear(src: Float32Array, rows: number, cols: number, outRows: number, outCols: number, out: Float32Array = new Float32Array(outRows * outCols)): Float32Array {
  const scaleY = rows / outRows;
  const scaleX = cols / outCols;
  const x0s = new Int32Array(outCols);
  const x1s = new Int32Array(outCols);
  const wxs = new Float32Array(outCols);
  for (let x = 0; x < outCols; x++) {
    const sx = Math.min(Math.max((x + 0.5) * scaleX - 0.5, 0), cols - 1);
    x0s[x] = Math.floor(sx);
    x1s[x] = Math.min(x0s[x]! + 1, cols - 1);
    wxs[x] = sx - x0s[x]!;
  }
  for (let y = 0; y < outRows; y++) {
    const sy = Math.min(Math.max((y + 0.5) * scaleY - 0.5, 0), rows - 1);
    const y0 = Math.floor(sy);
    const y1 = Math.min(y0 + 1, rows - 1);
    const wy = sy - y0;
    const row0 = y0 * cols;
    const row1 = y1 * cols;
    for (let x = 0; x < outCols; x++) {
      const a = src[row0 + x0s[x]!]!;
      const b = src[row0 + x1s[x]!]!;
      const c = src[row1 + x0s[x]!]!;
      const d = src[row1 + x1s[x]!]!;
      const wx = wxs[x]!;
      out[y * outCols + x] = (a * (1 - wx) + b * wx) * (1 - wy) + (c * (1 - wx) + d * wx) * wy;
    }
  }
  return out;
}

export function resizeMapBilinear(map: ScalarMap, rows: number, cols: number): ScalarMap {
  ensureInteger(rows, 'the output rows', { min: 1 });
  ensureInteger(cols, 'the output cols', { min: 1 });
  return createScalarMap(rows, cols, resizePlaneBilinear(map.data, map.rows, map.cols, rows, cols));
}

export function resizeImageBilinear(image: ImageTensor, rows: number, cols: number): ImageTensor {
  ensureInteger(rows, 'the output rows', { min: 1 });
  ensureInteger(cols, 'the output cols', { min: 1 });
  const out = createImageTensor(image.channels, rows, cols);
  const plane = image.rows * image.cols;
  for (let c = 0; c < image.channels; c++) {
    resizePlaneBilinear(image.data.subarray(c * plane, (c + 1) * plane), image.rows, image.cols, rows, cols, out.data.subarray(c * rows * cols, (c + 1) * rows * cols));
  }
  return out;
}

/** Nearest-neighbour resampling of a mask (keeps it binary). */
export function resizeMaskNearest(mask: Mask, rows: number, cols: number): Mask {
  ensureInteger(rows, 'the output rows', { min: 1 });
  ensureInteger(cols, 'the output cols', { min: 1 });
  const out = createMask(rows, cols);
  for (let y = 0; y < rows; y++) {
    const sy = Math.min(mask.rows - 1, Math.floor(((y + 0.5) * mask.rows) / rows));
    for (let x = 0; x < cols; x++) {
      const sx = Math.min(mask.cols - 1, Math.floor(((x + 0.5) * mask.cols) / cols));
      out.data[y * cols + x] = mask.data[sy * mask.cols + sx]!;
    }
  }
  return out;
}

/**
 * A mask brought to another size through its bilinear indicator thresholded at one half: smoother edges
 * than nearest-neighbour blocks when a coarse (patch or grid) mask is upsampled. Same size: returned as is.
 */
export function resizeMaskSmooth(mask: Mask, rows: number, cols: number): Mask {
  if (mask.rows === rows && mask.cols === cols) return mask;
  const soft = resizeMapBilinear(createScalarMap(mask.rows, mask.cols, Float32Array.from(mask.data)), rows, cols);
  const out = createMask(rows, cols);
  for (let i = 0; i < out.data.length; i++) out.data[i] = soft.data[i]! > 0.5 ? 1 : 0;
  return out;
}
