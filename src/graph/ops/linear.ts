/**
 * Matrix products with their backward rules: batched MatMul of two activations, a linear layer on an
 * [out, in] weight (Gemm with transB, so the weight is stored once and never transposed), and the
 * non-overlapping patch embedding (Conv with stride = kernel, input gradient by ConvTranspose). Weights
 * and biases get gradients when they are trainable parameters (GraphBuilder `parameter`), in their own
 * PyTorch layout.
 */
import { ensure } from '../../core/index.js';
import { reshapeTarget, type Dim, type GraphBuilder, type Value } from '../builder.js';
import { transpose } from './shape.js';

function swapLastTwo(rank: number): number[] {
  const perm = Array.from({ length: rank }, (_, i) => i);
  [perm[rank - 2], perm[rank - 1]] = [perm[rank - 1]!, perm[rank - 2]!];
  return perm;
}

/**
 * Batched matrix product of two activations of equal rank and equal batch dims ([..., M, K] @ [..., K, N]),
 * as in attention. Backward: dA = dY B^T, dB = A^T dY (the Transposes fold into MatMul in onnxruntime).
 */
export function matMul(g: GraphBuilder, a: Value, b: Value): Value {
  const rank = a.shape.length;
  ensure(rank >= 2 && b.shape.length === rank, `a rank-${rank} right operand`, 'MatMul', b.shape.join('x'));
  ensure(a.shape[rank - 1] === b.shape[rank - 2], `inner dimensions that agree (${a.shape.join('x')})`, 'MatMul', b.shape.join('x'));
  const shape: Dim[] = [...a.shape.slice(0, -1), b.shape[rank - 1]!];
  const [y] = g.node('MatMul', [a, b], [shape]);
  g.record('MatMul', [a, b], [y!], (gb, [gy]) => [
    a.requiresGrad ? rawMatMul(gb, gy!, transpose(gb, b, swapLastTwo(rank)), a.shape) : undefined,
    b.requiresGrad ? rawMatMul(gb, transpose(gb, a, swapLastTwo(rank)), gy!, b.shape) : undefined,
  ]);
  return y!;
}

function rawMatMul(g: GraphBuilder, a: Value, b: Value, shape: readonly Dim[]): Value {
  return g.node('MatMul', [a, b], [shape])[0]!;
}

/**
 * y = x W^T + b over the last axis of x, with W an [out, in] weight (PyTorch nn.Linear layout).
 * Leading axes are flattened so one Gemm (transB = 1) does the work. Backward, on the flattened rows:
 * dX = dY W, dW = dY^T X (Gemm transA = 1, so it comes out as [out, in] with no transposed copy),
 * db = column sums of dY.
 */
export function linear(g: GraphBuilder, x: Value, weight: Value, bias?: Value): Value {
  const [outFeatures, inFeatures] = weight.shape as [number, number];
  ensure(x.shape[x.shape.length - 1] === inFeatures, `${inFeatures} input features`, `the linear layer ${weight.name}`, x.shape.join('x'));
  const rows = flatRows(x.shape.slice(0, -1));
  const flat = x.shape.length === 2 ? x : g.node('Reshape', [x, g.constantInt64([-1, inFeatures])], [[rows, inFeatures]])[0]!;
  const [product] = g.node('Gemm', bias ? [flat, weight, bias] : [flat, weight], [[rows, outFeatures]], { transB: 1 });
  const shape = [...x.shape.slice(0, -1), outFeatures];
  const y = x.shape.length === 2 ? product! : g.node('Reshape', [product!, g.constantInt64(reshapeTarget(shape))], [shape])[0]!;
  g.record('Linear', bias ? [x, weight, bias] : [x, weight], [y], (gb, [gy]) => {
    const gyFlat = gy!.shape.length === 2 ? gy! : gb.node('Reshape', [gy!, gb.constantInt64([-1, outFeatures])], [[rows, outFeatures]])[0]!;
    const gx = x.requiresGrad ? unflatten(gb, rawMatMul(gb, gyFlat, weight, [rows, inFeatures]), x.shape) : undefined;
    const gw = weight.requiresGrad ? gb.node('Gemm', [gyFlat, flat], [weight.shape], { transA: 1 })[0]! : undefined;
    const gbias = bias?.requiresGrad ? gb.node('ReduceSum', [gyFlat, gb.constantInt64([0])], [bias.shape], { keepdims: 0 })[0]! : undefined;
    return [gx, gw, gbias];
  });
  return y;
}

function unflatten(g: GraphBuilder, flat: Value, shape: readonly Dim[]): Value {
  return shape.length === 2 ? flat : g.node('Reshape', [flat, g.constantInt64(reshapeTarget(shape))], [shape])[0]!;
}

function flatRows(rows: readonly Dim[]): Dim {
  if (rows.length === 1) return rows[0]!;
  return rows.every((dim) => typeof dim === 'number') ? rows.reduce<number>((a, b) => a * (b as number), 1) : 'rows';
}

/**
 * Patch embedding: Conv with kernel = stride = patch (Dosovitskiy et al., "An Image is Worth 16x16 Words",
 * 2021). Patches do not overlap, so the input gradient is exactly ConvTranspose with the same weight, and
 * the weight gradient is a linear layer's on the patches laid out as rows (see patchWeightGradient).
 * x: [B, C, H, W] with H and W multiples of the patch; weight: [D, C, P, P]; output [B, D, H/P, W/P].
 */
export function patchConv(g: GraphBuilder, x: Value, weight: Value, bias?: Value): Value {
  const [dim, channels, patch] = weight.shape as [number, number, number];
  const [batch, xChannels, rows, cols] = x.shape as [Dim, number, number, number];
  ensure(xChannels === channels && rows % patch === 0 && cols % patch === 0,
    `${channels} channels and rows, cols multiples of ${patch}`, 'the patch embedding input', x.shape.join('x'));
  const attributes = { kernel_shape: [patch, patch], strides: [patch, patch] };
  const [y] = g.node('Conv', bias ? [x, weight, bias] : [x, weight], [[batch, dim, rows / patch, cols / patch]], attributes);
  g.record('PatchConv', bias ? [x, weight, bias] : [x, weight], [y!], (gb, [gy]) => [
    x.requiresGrad ? gb.node('ConvTranspose', [gy!, weight], [x.shape], attributes)[0]! : undefined,
    weight.requiresGrad ? patchWeightGradient(gb, x, gy!, weight) : undefined,
    bias?.requiresGrad ? gb.node('ReduceSum', [gy!, gb.constantInt64([0, 2, 3])], [bias.shape], { keepdims: 0 })[0]! : undefined,
  ]);
  return y!;
}

/**
 * dW[d, c, i, j] = sum over images b and patches (r, s) of dY[b, d, r, s] * x[b, c, rP + i, sP + j]: the
 * patches become rows [B*R*S, C*P*P] (Reshape to [B, C, R, P, S, P], Transpose to [B, R, S, C, P, P]),
 * dY becomes rows [B*R*S, D], and one Gemm (transA) gives dW as [D, C*P*P], PyTorch's layout.
 */
function patchWeightGradient(g: GraphBuilder, x: Value, gy: Value, weight: Value): Value {
  const [dim, channels, patch] = weight.shape as [number, number, number];
  const [batch, , rows, cols] = x.shape as [Dim, number, number, number];
  const grid = [rows / patch, cols / patch] as const;
  const split = g.node('Reshape', [x, g.constantInt64([-1, channels, grid[0], patch, grid[1], patch])], [[batch, channels, grid[0], patch, grid[1], patch]])[0]!;
  const patches = g.node('Transpose', [split], [[batch, grid[0], grid[1], channels, patch, patch]], { perm: [0, 2, 4, 1, 3, 5] })[0]!;
  const patchRows = g.node('Reshape', [patches, g.constantInt64([-1, channels * patch * patch])], [['rows', channels * patch * patch]])[0]!;
  const gyLast = g.node('Transpose', [gy], [[batch, grid[0], grid[1], dim]], { perm: [0, 2, 3, 1] })[0]!;
  const gyRows = g.node('Reshape', [gyLast, g.constantInt64([-1, dim])], [['rows', dim]])[0]!;
  const flat = g.node('Gemm', [gyRows, patchRows], [[dim, channels * patch * patch]], { transA: 1 })[0]!;
  return g.node('Reshape', [flat, g.constantInt64(weight.shape as number[])], [weight.shape])[0]!;
}
