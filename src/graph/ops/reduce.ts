/**
 * ReduceSum / ReduceMean over fixed axes, with backward rules that broadcast the gradient back
 * (Expand to the input's runtime shape, divided by the count for the mean).
 * Opset 17: ReduceSum takes axes as an input, ReduceMean as an attribute.
 */
import { ensure } from '../../core/index.js';
import { normalizeAxis, type Dim, type GraphBuilder, type Value } from '../builder.js';

function resolveAxes(x: Value, axes: readonly number[]): number[] {
  return [...new Set(axes.map((axis) => normalizeAxis(axis, x.shape.length)))].sort((a, b) => a - b);
}

function reducedShape(x: Value, axes: readonly number[], keepDims: boolean): Dim[] {
  return x.shape.flatMap((dim, i) => (axes.includes(i) ? (keepDims ? [1] : []) : [dim]));
}

/** Broadcast a reduction's gradient back to the input's shape. */
function expandBack(g: GraphBuilder, gy: Value, x: Value, axes: readonly number[]): Value {
  const kept = reducedShape(x, axes, true);
  const withKeptDims = gy.shape.length === kept.length ? gy : g.node('Unsqueeze', [gy, g.constantInt64([...axes])], [kept])[0]!;
  const [xShape] = g.node('Shape', [x], [[x.shape.length]]);
  return g.node('Expand', [withKeptDims, xShape!], [x.shape])[0]!;
}

export function reduceSum(g: GraphBuilder, x: Value, axes: readonly number[], options: { keepDims?: boolean } = {}): Value {
  const resolved = resolveAxes(x, axes);
  const keepDims = options.keepDims ?? true;
  const [y] = g.node('ReduceSum', [x, g.constantInt64(resolved)], [reducedShape(x, resolved, keepDims)], { keepdims: keepDims ? 1 : 0 });
  g.record('ReduceSum', [x], [y!], (gb, [gy]) => [expandBack(gb, gy!, x, resolved)]);
  return y!;
}

export function reduceMean(g: GraphBuilder, x: Value, axes: readonly number[], options: { keepDims?: boolean } = {}): Value {
  const resolved = resolveAxes(x, axes);
  const keepDims = options.keepDims ?? true;
  const sizes = resolved.map((axis) => x.shape[axis]);
  ensure(sizes.every((size) => typeof size === 'number'), 'fixed sizes along the reduced axes', 'ReduceMean', x.shape.join('x'));
  const count = (sizes as number[]).reduce((a, b) => a * b, 1);
  const [y] = g.node('ReduceMean', [x], [reducedShape(x, resolved, keepDims)], { axes: resolved, keepdims: keepDims ? 1 : 0 });
  g.record('ReduceMean', [x], [y!], (gb, [gy]) => {
    const [scaled] = gb.node('Mul', [gy!, gb.constantFloat([1 / count], [])], [gy!.shape]);
    return [expandBack(gb, scaled!, x, resolved)];
  });
  return y!;
}
