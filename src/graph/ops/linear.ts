/**
 * Matrix products with their input-gradient rules: batched MatMul of two activations, a linear layer on
 * a frozen [out, in] weight (Gemm with transB, so the weight is stored once and never transposed), and
 * the non-overlapping patch embedding (Conv with stride = kernel, backward by ConvTranspose).
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
 * y = x W^T + b over the last axis of x, with W a frozen [out, in] weight (PyTorch nn.Linear layout).
 * Leading axes are flattened so one Gemm (transB = 1) does the work; backward is dX = dY W.
 */
export function linear(g: GraphBuilder, x: Value, weight: Value, bias?: Value): Value {
  const [outFeatures, inFeatures] = weight.shape as [number, number];
  ensure(x.shape[x.shape.length - 1] === inFeatures, `${inFeatures} input features`, `the linear layer ${weight.name}`, x.shape.join('x'));
  const rows = x.shape.slice(0, -1);
  const flat = x.shape.length === 2 ? x : g.node('Reshape', [x, g.constantInt64([-1, inFeatures])], [[flatRows(rows), inFeatures]])[0]!;
  const inputs = bias ? [flat, weight, bias] : [flat, weight];
  const [product] = g.node('Gemm', inputs, [[flatRows(rows), outFeatures]], { transB: 1 });
  const shape = [...rows, outFeatures];
  const y = x.shape.length === 2 ? product! : g.node('Reshape', [product!, g.constantInt64(reshapeTarget(shape))], [shape])[0]!;
  g.record('Linear', [x], [y], (gb, [gy]) => {
    const gyFlat = gb.node('Reshape', [gy!, gb.constantInt64([-1, outFeatures])], [[flatRows(rows), outFeatures]])[0]!;
    const gxFlat = rawMatMul(gb, gyFlat, weight, [flatRows(rows), inFeatures]);
    return [gb.node('Reshape', [gxFlat, gb.constantInt64(reshapeTarget(x.shape))], [x.shape])[0]!];
  });
  return y;
}

function flatRows(rows: readonly Dim[]): Dim {
  if (rows.length === 1) return rows[0]!;
  return rows.every((dim) => typeof dim === 'number') ? rows.reduce<number>((a, b) => a * (b as number), 1) : 'rows';
}

/**
 * Patch embedding: Conv with kernel = stride = patch (Dosovitskiy et al., "An Image is Worth 16x16 Words",
 * 2021). Patches do not overlap, so the input gradient is exactly ConvTranspose with the same weight.
 * x: [B, C, H, W] with H and W multiples of the patch; weight: [D, C, P, P]; output [B, D, H/P, W/P].
 */
export function patchConv(g: GraphBuilder, x: Value, weight: Value, bias?: Value): Value {
  const [dim, channels, patch] = weight.shape as [number, number, number];
  const [batch, xChannels, rows, cols] = x.shape as [Dim, number, number, number];
  ensure(xChannels === channels && rows % patch === 0 && cols % patch === 0,
    `${channels} channels and rows, cols multiples of ${patch}`, 'the patch embedding input', x.shape.join('x'));
  const attributes = { kernel_shape: [patch, patch], strides: [patch, patch] };
  const inputs = bias ? [x, weight, bias] : [x, weight];
  const [y] = g.node('Conv', inputs, [[batch, dim, rows / patch, cols / patch]], attributes);
  g.record('PatchConv', [x], [y!], (gb, [gy]) => [gb.node('ConvTranspose', [gy!, weight], [x.shape], attributes)[0]!]);
  return y!;
}
