/**
 * General 2-D convolution (stride, zero padding, groups: dense, grouped and depthwise; optional bias) with
 * its backward rules, as PyTorch's nn.Conv2d on NCHW input and an OIHW weight [out, in / groups, kH, kW].
 *
 * Input side: the transpose of the convolution, ConvTranspose with the same weight, strides, pads and group
 * count; `output_padding` restores the rows and cols that a stride dropped (floor in the output size).
 * Weight side: dW[o, i, a, b] = sum over images n and output positions (y, x) of
 * dY[n, o, y, x] * Xpad[n, g(o) * Cg + i, y s + a, x s + b], which is itself a convolution: images and
 * channels swap roles (X as [Cg, groups * N, H, W], dY as a [out, N, Ho, Wo] kernel dilated by the stride),
 * so onnxruntime's own Conv forms it without an im2col copy of the input in the graph.
 */
import { ensure, ensureInteger } from '../../../core/index.js';
import type { Dim, GraphBuilder, Value } from '../../builder.js';

export interface ConvOptions {
  /** Stride along rows and cols; default 1. */
  readonly stride?: number;
  /** Zero padding on every side; default 0. */
  readonly padding?: number;
  /** Channel groups; default 1. Depthwise: groups = input channels = output channels. */
  readonly groups?: number;
}

interface ConvGeometry {
  readonly batch: Dim;
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernel: readonly [number, number];
  readonly input: readonly [number, number];
  readonly output: readonly [number, number];
  readonly stride: number;
  readonly padding: number;
  readonly groups: number;
}

/** Output side of a convolution: floor((size + 2 padding - kernel) / stride) + 1. */
export function convOutputSize(size: number, kernel: number, stride: number, padding: number): number {
  return Math.floor((size + 2 * padding - kernel) / stride) + 1;
}

function geometry(x: Value, weight: Value, options: ConvOptions): ConvGeometry {
  const stride = ensureInteger(options.stride ?? 1, 'the convolution stride', { min: 1 });
  const padding = ensureInteger(options.padding ?? 0, 'the convolution padding', { min: 0 });
  const groups = ensureInteger(options.groups ?? 1, 'the convolution groups', { min: 1 });
  ensure(x.shape.length === 4 && x.shape.slice(1).every((d) => typeof d === 'number'), 'an input [batch, C, H, W] with fixed C, H, W', 'Conv', x.shape.join('x'));
  ensure(weight.shape.length === 4, 'a weight [out, in / groups, kH, kW]', 'Conv', weight.shape.join('x'));
  const [batch, inChannels, rows, cols] = x.shape as [Dim, number, number, number];
  const [outChannels, groupChannels, kRows, kCols] = weight.shape as [number, number, number, number];
  ensure(inChannels % groups === 0 && outChannels % groups === 0 && groupChannels * groups === inChannels,
    `a weight of ${inChannels / groups} input channels per group (${inChannels} channels, ${groups} groups)`, `the convolution weight ${weight.name}`, weight.shape.join('x'));
  const output = [convOutputSize(rows, kRows, stride, padding), convOutputSize(cols, kCols, stride, padding)] as const;
  ensure(output[0] >= 1 && output[1] >= 1, `a ${kRows}x${kCols} kernel that fits the padded input`, 'Conv', x.shape.join('x'));
  return { batch, inChannels, outChannels, kernel: [kRows, kCols], input: [rows, cols], output, stride, padding, groups };
}

/**
 * y = conv2d(x, weight, bias; stride, padding, groups), shape [batch, out, Ho, Wo].
 *
 * @example conv2d(g, x, g.parameter('w', [32, 1, 3, 3]), bias, { padding: 1, groups: 32 }) // depthwise 3x3
 */
export function conv2d(g: GraphBuilder, x: Value, weight: Value, bias?: Value, options: ConvOptions = {}): Value {
  const geo = geometry(x, weight, options);
  if (bias) ensure(bias.shape.length === 1 && bias.shape[0] === geo.outChannels, `a bias of ${geo.outChannels}`, `the convolution ${weight.name}`, bias.shape.join('x'));
  const attributes = {
    kernel_shape: [...geo.kernel], strides: [geo.stride, geo.stride], pads: new Array<number>(4).fill(geo.padding), group: geo.groups,
  };
  const [y] = g.node('Conv', bias ? [x, weight, bias] : [x, weight], [[geo.batch, geo.outChannels, ...geo.output]], attributes);
  g.record('Conv', bias ? [x, weight, bias] : [x, weight], [y!], (gb, [gy]) => [
    x.requiresGrad ? convInputGradient(gb, gy!, weight, geo) : undefined,
    weight.requiresGrad ? convWeightGradient(gb, x, gy!, geo) : undefined,
    bias?.requiresGrad ? gb.node('ReduceSum', [gy!, gb.constantInt64([0, 2, 3])], [bias.shape], { keepdims: 0 })[0]! : undefined,
  ]);
  return y!;
}

/** dX = ConvTranspose(dY, W); output_padding gives back the rows and cols the stride's floor dropped. */
function convInputGradient(g: GraphBuilder, gy: Value, weight: Value, geo: ConvGeometry): Value {
  const dropped = geo.input.map((size, k) => size + 2 * geo.padding - geo.kernel[k]! - (geo.output[k]! - 1) * geo.stride);
  return g.node('ConvTranspose', [gy, weight], [[geo.batch, geo.inChannels, ...geo.input]], {
    kernel_shape: [...geo.kernel], strides: [geo.stride, geo.stride], pads: new Array<number>(4).fill(geo.padding),
    group: geo.groups, output_padding: dropped,
  })[0]!;
}

/**
 * dW as a convolution of the input (images and channels swapped) with dY as the kernel (dilated by the
 * stride); the result [Cg, out, kH', kW'] is transposed to OIHW and cropped to the kernel (kH' exceeds kH
 * by the rows the stride's floor dropped).
 */
function convWeightGradient(g: GraphBuilder, x: Value, gy: Value, geo: ConvGeometry): Value {
  const groupChannels = geo.inChannels / geo.groups;
  const [rows, cols] = geo.input;
  const node = (op: string, inputs: Value[], shape: readonly Dim[], attributes?: Record<string, number | number[]>): Value =>
    g.node(op, inputs, [shape], attributes)[0]!;
  const split = node('Reshape', [x, g.constantInt64([-1, geo.groups, groupChannels, rows, cols])], [geo.batch, geo.groups, groupChannels, rows, cols]);
  const swapped = node('Transpose', [split], [groupChannels, geo.groups, geo.batch, rows, cols], { perm: [2, 1, 0, 3, 4] });
  const images = node('Reshape', [swapped, g.constantInt64([groupChannels, -1, rows, cols])], [groupChannels, 'groupsxbatch', rows, cols]);
  const kernel = node('Transpose', [gy], [geo.outChannels, geo.batch, ...geo.output], { perm: [1, 0, 2, 3] });
  const reach = geo.input.map((size, k) => size + 2 * geo.padding - (geo.output[k]! - 1) * geo.stride) as [number, number];
  const product = node('Conv', [images, kernel], [groupChannels, geo.outChannels, ...reach], {
    pads: new Array<number>(4).fill(geo.padding), dilations: [geo.stride, geo.stride], group: geo.groups,
  });
  const oihw = node('Transpose', [product], [geo.outChannels, groupChannels, ...reach], { perm: [1, 0, 2, 3] });
  if (reach[0] === geo.kernel[0] && reach[1] === geo.kernel[1]) return oihw;
  const [kRows, kCols] = geo.kernel;
  return node('Slice', [oihw, g.constantInt64([0, 0]), g.constantInt64([kRows, kCols]), g.constantInt64([2, 3])], [geo.outChannels, groupChannels, kRows, kCols]);
}
