/**
 * Broadcasting elementwise ops (numpy rules, as ONNX) and GELU, each with its backward rule.
 * A broadcast operand's gradient is summed back to the operand's own shape.
 */
import { SizeMismatchError } from '../../core/index.js';
import { reshapeTarget, type Dim, type GraphBuilder, type Value } from '../builder.js';

export function broadcastShapes(a: readonly Dim[], b: readonly Dim[]): Dim[] {
  const rank = Math.max(a.length, b.length);
  const out: Dim[] = [];
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) throw new SizeMismatchError(`expected broadcastable shapes but received ${a.join('x')} and ${b.join('x')}`);
    out.push(da === 1 ? db : da);
  }
  return out;
}

/** Sum a gradient over the axes along which an operand of `shape` was broadcast. */
export function sumToShape(g: GraphBuilder, grad: Value, shape: readonly Dim[]): Value {
  const lead = grad.shape.length - shape.length;
  const axes: number[] = [];
  grad.shape.forEach((dim, i) => {
    if (i < lead || (shape[i - lead] === 1 && dim !== 1)) axes.push(i);
  });
  if (axes.length === 0) return grad;
  const keptShape = grad.shape.map((dim, i) => (axes.includes(i) ? 1 : dim));
  const [summed] = g.node('ReduceSum', [grad, g.constantInt64(axes)], [keptShape], { keepdims: 1 });
  if (lead === 0) return summed!;
  const [reshaped] = g.node('Reshape', [summed!, g.constantInt64(reshapeTarget(shape))], [shape]);
  return reshaped!;
}

type Binary = 'Add' | 'Sub' | 'Mul' | 'Div';

function binary(g: GraphBuilder, op: Binary, a: Value, b: Value): Value {
  const [y] = g.node(op, [a, b], [broadcastShapes(a.shape, b.shape)]);
  return y!;
}

export function add(g: GraphBuilder, a: Value, b: Value): Value {
  const y = binary(g, 'Add', a, b);
  g.record('Add', [a, b], [y], (gb, [gy]) => [
    a.requiresGrad ? sumToShape(gb, gy!, a.shape) : undefined,
    b.requiresGrad ? sumToShape(gb, gy!, b.shape) : undefined,
  ]);
  return y;
}

export function sub(g: GraphBuilder, a: Value, b: Value): Value {
  const y = binary(g, 'Sub', a, b);
  g.record('Sub', [a, b], [y], (gb, [gy]) => [
    a.requiresGrad ? sumToShape(gb, gy!, a.shape) : undefined,
    b.requiresGrad ? sumToShape(gb, scale(gb, gy!, -1), b.shape) : undefined,
  ]);
  return y;
}

export function mul(g: GraphBuilder, a: Value, b: Value): Value {
  const y = binary(g, 'Mul', a, b);
  g.record('Mul', [a, b], [y], (gb, [gy]) => [
    a.requiresGrad ? sumToShape(gb, binary(gb, 'Mul', gy!, b), a.shape) : undefined,
    b.requiresGrad ? sumToShape(gb, binary(gb, 'Mul', gy!, a), b.shape) : undefined,
  ]);
  return y;
}

/** d(a/b)/da = 1/b; d(a/b)/db = -(a/b)/b. */
export function div(g: GraphBuilder, a: Value, b: Value): Value {
  const y = binary(g, 'Div', a, b);
  g.record('Div', [a, b], [y], (gb, [gy]) => [
    a.requiresGrad ? sumToShape(gb, binary(gb, 'Div', gy!, b), a.shape) : undefined,
    b.requiresGrad ? sumToShape(gb, scale(gb, binary(gb, 'Div', binary(gb, 'Mul', gy!, y), b), -1), b.shape) : undefined,
  ]);
  return y;
}

/** Multiply by a constant scalar. */
export function scale(g: GraphBuilder, x: Value, factor: number): Value {
  const [y] = g.node('Mul', [x, g.constantFloat([factor], [])], [x.shape]);
  g.record('Scale', [x], [y!], (gb, [gy]) => [scale(gb, gy!, factor)]);
  return y!;
}

/**
 * GELU with the exact erf form, x * Phi(x) (Hendrycks & Gimpel, "Gaussian Error Linear Units", 2016),
 * as timm's nn.GELU(). Written as Div -> Erf -> Add -> Mul -> Mul, the pattern onnxruntime fuses in a
 * forward-only graph. Backward: d/dx = Phi(x) + x * phi(x).
 */
export function gelu(g: GraphBuilder, x: Value): Value {
  const shape = x.shape;
  const [scaled] = g.node('Div', [x, g.constantFloat([Math.SQRT2], [])], [shape]);
  const [erf] = g.node('Erf', [scaled!], [shape]);
  const [onePlusErf] = g.node('Add', [erf!, g.constantFloat([1], [])], [shape]);
  const [product] = g.node('Mul', [x, onePlusErf!], [shape]);
  const [y] = g.node('Mul', [product!, g.constantFloat([0.5], [])], [shape]);
  g.record('Gelu', [x], [y!], (gb, [gy]) => {
    const [cdf] = gb.node('Mul', [onePlusErf!, gb.constantFloat([0.5], [])], [shape]);
    const [square] = gb.node('Mul', [x, x], [shape]);
    const [gaussian] = gb.node('Exp', [scale(gb, square!, -0.5)], [shape]);
    const [xPdf] = gb.node('Mul', [x, gaussian!], [shape]);
    const [derivative] = gb.node('Add', [cdf!, scale(gb, xPdf!, 1 / Math.sqrt(2 * Math.PI))], [shape]);
    const [gx] = gb.node('Mul', [gy!, derivative!], [shape]);
    return [gx];
  });
  return y!;
}
