/**
 * Data-movement ops and their backward rules: Reshape (reshape back), Transpose (inverse permutation),
 * Concat (slice the gradient), Slice (zero-pad the gradient), Split (concatenate the gradients).
 */
import { ensure } from '../../core/index.js';
import { normalizeAxis, reshapeTarget, type Dim, type GraphBuilder, type Value } from '../builder.js';

/** Reshape to a static shape; at most one symbolic dimension (the batch). */
export function reshape(g: GraphBuilder, x: Value, shape: readonly Dim[]): Value {
  const [y] = g.node('Reshape', [x, g.constantInt64(reshapeTarget(shape))], [shape]);
  g.record('Reshape', [x], [y!], (gb, [gy]) => [reshape(gb, gy!, x.shape)]);
  return y!;
}

export function transpose(g: GraphBuilder, x: Value, perm: readonly number[]): Value {
  ensure(perm.length === x.shape.length && [...perm].sort((p, q) => p - q).every((p, i) => p === i), `a permutation of 0..${x.shape.length - 1}`, 'Transpose', perm.join(','));
  const [y] = g.node('Transpose', [x], [perm.map((p) => x.shape[p]!)], { perm: [...perm] });
  const inverse = perm.map((_, i) => perm.indexOf(i));
  g.record('Transpose', [x], [y!], (gb, [gy]) => [transpose(gb, gy!, inverse)]);
  return y!;
}

export function concat(g: GraphBuilder, values: readonly Value[], axis: number): Value {
  const resolved = normalizeAxis(axis, values[0]!.shape.length);
  const sizes = values.map((value) => value.shape[resolved]);
  ensure(sizes.every((size) => typeof size === 'number'), 'fixed sizes along the concat axis', 'Concat', sizes.join(','));
  const total = (sizes as number[]).reduce((a, b) => a + b, 0);
  const shape = values[0]!.shape.map((dim, i) => (i === resolved ? total : dim));
  const [y] = g.node('Concat', values, [shape], { axis: resolved });
  g.record('Concat', values, [y!], (gb, [gy]) => {
    let start = 0;
    return (sizes as number[]).map((size, k) => {
      const part = values[k]!.requiresGrad ? slice(gb, gy!, resolved, start, start + size) : undefined;
      start += size;
      return part;
    });
  });
  return y!;
}

/** x[..., start:end, ...] along one axis (step 1). Backward pads the gradient with zeros. */
export function slice(g: GraphBuilder, x: Value, axis: number, start: number, end: number): Value {
  const resolved = normalizeAxis(axis, x.shape.length);
  const size = x.shape[resolved];
  ensure(typeof size === 'number' && start >= 0 && end <= size && start < end, `0 <= start < end <= ${String(size)}`, 'Slice', `${start}:${end}`);
  const shape = x.shape.map((dim, i) => (i === resolved ? end - start : dim));
  const [y] = g.node('Slice', [x, g.constantInt64([start]), g.constantInt64([end]), g.constantInt64([resolved])], [shape]);
  g.record('Slice', [x], [y!], (gb, [gy]) => {
    const pads = new Array<number>(2 * x.shape.length).fill(0);
    pads[resolved] = start;
    pads[x.shape.length + resolved] = (size as number) - end;
    return [gb.node('Pad', [gy!, gb.constantInt64(pads)], [x.shape])[0]!];
  });
  return y!;
}

/** x[..., index, ...]: one position along an axis, the axis removed (a Slice then a Reshape). */
export function select(g: GraphBuilder, x: Value, axis: number, index: number): Value {
  const resolved = normalizeAxis(axis, x.shape.length);
  return reshape(g, slice(g, x, resolved, index, index + 1), x.shape.filter((_, i) => i !== resolved));
}

/** Split along an axis into parts of the given sizes; backward concatenates the parts' gradients (zeros where none). */
export function split(g: GraphBuilder, x: Value, axis: number, sizes: readonly number[]): Value[] {
  const resolved = normalizeAxis(axis, x.shape.length);
  ensure(sizes.reduce((a, b) => a + b, 0) === x.shape[resolved], `sizes that add up to ${String(x.shape[resolved])}`, 'Split', sizes.join(','));
  const shapes = sizes.map((size) => x.shape.map((dim, i) => (i === resolved ? size : dim)));
  const parts = g.node('Split', [x, g.constantInt64(sizes)], shapes, { axis: resolved });
  g.record('Split', [x], parts, (gb, grads) => {
    const filled = grads.map((grad, k) => grad ?? gb.node('Mul', [parts[k]!, gb.constantFloat([0], [])], [shapes[k]!])[0]!);
    return [gb.node('Concat', filled, [x.shape], { axis: resolved })[0]!];
  });
  return parts;
}
