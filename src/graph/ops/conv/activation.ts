/**
 * Piecewise-linear activations of CNNs with their backward rules: ReLU and Clip (ReLU6 = clip(x, 0, 6), as
 * MobileNetV2). The gradient passes where the input lies strictly inside the range (PyTorch's rule for
 * hardtanh / relu6; at exactly 0 ReLU passes none, as PyTorch's threshold_backward).
 */
import { ensure } from '../../../core/index.js';
import type { GraphBuilder, Value } from '../../builder.js';

export function relu(g: GraphBuilder, x: Value): Value {
  const [y] = g.node('Relu', [x], [x.shape]);
  g.record('Relu', [x], [y!], (gb, [gy]) => [passWhere(gb, gy!, gb.node('Greater', [y!, gb.constantFloat([0], [])], [x.shape])[0]!)]);
  return y!;
}

/** clip(x, min, max); `clip(g, x, 0, 6)` is ReLU6. */
export function clip(g: GraphBuilder, x: Value, min: number, max: number): Value {
  ensure(Number.isFinite(min) && Number.isFinite(max) && min < max, 'finite bounds min < max', 'Clip', `${min}, ${max}`);
  const low = g.constantFloat([min], []);
  const high = g.constantFloat([max], []);
  const [y] = g.node('Clip', [x, low, high], [x.shape]);
  g.record('Clip', [x], [y!], (gb, [gy]) => {
    const above = gb.node('Greater', [x, low], [x.shape])[0]!;
    const below = gb.node('Less', [x, high], [x.shape])[0]!;
    return [passWhere(gb, gy!, gb.node('And', [above, below], [x.shape])[0]!)];
  });
  return y!;
}

export function relu6(g: GraphBuilder, x: Value): Value {
  return clip(g, x, 0, 6);
}

/** The gradient where `condition` (a boolean tensor of its shape) holds, zero elsewhere. */
function passWhere(g: GraphBuilder, gy: Value, condition: Value): Value {
  return g.node('Where', [condition, gy, g.constantFloat([0], [])], [gy.shape])[0]!;
}
