/**
 * A fast approximation of Gaussian smoothing: a box filter of radius `radius` applied `passes` times along
 * rows and columns with running sums (O(pixels) whatever the radius), windows clipped at the border and
 * averaged over the pixels they cover. Three passes are close to a Gaussian of sigma ~ radius.
 *
 * @example const smooth = boxBlur(values, rows, cols, 3);
 */
import { ensureInteger } from '../core/index.js';

function blurLines(src: Float32Array, out: Float32Array, layout: { lines: number; length: number; lineStride: number; step: number }, radius: number): void {
  const { lines, length, lineStride, step } = layout;
  for (let line = 0; line < lines; line++) {
    const base = line * lineStride;
    let sum = 0;
    let count = 0;
    for (let k = 0; k < Math.min(radius, length); k++) {
      sum += src[base + k * step]!;
      count++;
    }
    for (let i = 0; i < length; i++) {
      const enter = i + radius;
      if (enter < length) {
        sum += src[base + enter * step]!;
        count++;
      }
      const leave = i - radius - 1;
      if (leave >= 0) {
        sum -= src[base + leave * step]!;
        count--;
      }
      out[base + i * step] = sum / count;
    }
  }
}

export function boxBlur(values: Float32Array, rows: number, cols: number, radius: number, passes = 2): Float32Array {
  ensureInteger(radius, 'the blur radius', { min: 0 });
  if (values.length !== rows * cols) throw new RangeError(`boxBlur: ${values.length} values for a ${rows} x ${cols} plane`);
  let current = Float32Array.from(values);
  if (radius === 0) return current;
  const scratch = new Float32Array(values.length);
  for (let pass = 0; pass < passes; pass++) {
    blurLines(current, scratch, { lines: rows, length: cols, lineStride: cols, step: 1 }, radius);
    blurLines(scratch, current, { lines: cols, length: rows, lineStride: 1, step: cols }, radius);
  }
  return current;
}
