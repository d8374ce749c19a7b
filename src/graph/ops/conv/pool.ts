/**
 * Spatial pooling of NCHW maps with backward rules: global average pooling, and max pooling over
 * non-overlapping windows (2x2 stride 2 as in VGG-style networks; the whole map as a global max pool, as
 * MICRA-Net's MaxPool2d(kernel = S / 8)). Max pooling keeps MaxPool's Indices output (flat indices into the
 * input) and routes the gradient back with MaxUnpool, so each window's gradient goes to exactly one input:
 * the first maximum in row-major order, as PyTorch's max_pool2d.
 */
import { ensure, ensureInteger } from '../../../core/index.js';
import type { Dim, GraphBuilder, Value } from '../../builder.js';

function spatial(x: Value, what: string): { batch: Dim; channels: number; rows: number; cols: number } {
  ensure(x.shape.length === 4 && x.shape.slice(1).every((d) => typeof d === 'number'), 'an input [batch, C, H, W] with fixed C, H, W', what, x.shape.join('x'));
  const [batch, channels, rows, cols] = x.shape as [Dim, number, number, number];
  return { batch, channels, rows, cols };
}

/** Mean over rows and cols: [B, C, H, W] -> [B, C, 1, 1]. Backward: dY / (H W) broadcast over the map. */
export function globalAveragePool(g: GraphBuilder, x: Value): Value {
  const { batch, channels, rows, cols } = spatial(x, 'GlobalAveragePool');
  const [y] = g.node('GlobalAveragePool', [x], [[batch, channels, 1, 1]]);
  g.record('GlobalAveragePool', [x], [y!], (gb, [gy]) => {
    const scaled = gb.node('Mul', [gy!, gb.constantFloat([1 / (rows * cols)], [])], [gy!.shape])[0]!;
    const shape = gb.node('Shape', [x], [[4]])[0]!;
    return [gb.node('Expand', [scaled, shape], [x.shape])[0]!];
  });
  return y!;
}

export interface MaxPoolOptions {
  /** Window rows and cols; the stride equals the window (windows do not overlap). Default 2. */
  readonly kernel?: number | readonly [number, number];
}

/**
 * Max over non-overlapping windows (stride = kernel, no padding; trailing rows or cols that do not fill a
 * window are dropped, as PyTorch's floor mode). Backward: MaxUnpool of dY to the recorded positions.
 *
 * @example maxPool(g, x) // 2x2, stride 2: [B, C, H, W] -> [B, C, H/2, W/2]
 */
export function maxPool(g: GraphBuilder, x: Value, options: MaxPoolOptions = {}): Value {
  const { batch, channels, rows, cols } = spatial(x, 'MaxPool');
  const kernel = typeof options.kernel === 'number' || options.kernel === undefined ? [options.kernel ?? 2, options.kernel ?? 2] : [...options.kernel];
  kernel.forEach((k, axis) => ensureInteger(k, 'the max-pool window', { min: 1, max: axis === 0 ? rows : cols }));
  const outShape: Dim[] = [batch, channels, Math.floor(rows / kernel[0]!), Math.floor(cols / kernel[1]!)];
  const attributes = { kernel_shape: kernel, strides: kernel };
  const [y, indices] = g.node('MaxPool', [x], [outShape, outShape], attributes);
  g.record('MaxPool', [x], [y!], (gb, [gy]) => {
    const shape = gb.node('Shape', [x], [[4]])[0]!;
    return [gb.node('MaxUnpool', [gy!, indices!, shape], [x.shape], attributes)[0]!];
  });
  return y!;
}

/** Max over the whole map: [B, C, H, W] -> [B, C, 1, 1] (a max pool whose window is the map). */
export function globalMaxPool(g: GraphBuilder, x: Value): Value {
  const { rows, cols } = spatial(x, 'GlobalMaxPool');
  return maxPool(g, x, { kernel: [rows, cols] });
}
