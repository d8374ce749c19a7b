/**
 * Softmax and LayerNormalization with their backward rules.
 */
import { type GraphBuilder, type Value, normalizeAxis } from '../builder.js';
import { sumToShape } from './elementwise.js';

/**
 * Softmax along one axis (opset 13+ semantics). Backward: dX = Y * (dY - sum(dY * Y, axis)).
 */
export function softmax(g: GraphBuilder, x: Value, axis = -1): Value {
  const resolved = normalizeAxis(axis, x.shape.length);
  const [y] = g.node('Softmax', [x], [x.shape], { axis: resolved });
  g.record('Softmax', [x], [y!], (gb, [gy]) => {
    const [product] = gb.node('Mul', [gy!, y!], [x.shape]);
    const keptShape = x.shape.map((dim, i) => (i === resolved ? 1 : dim));
    const [summed] = gb.node('ReduceSum', [product!, gb.constantInt64([resolved])], [keptShape], { keepdims: 1 });
    const [centred] = gb.node('Sub', [gy!, summed!], [x.shape]);
    return [gb.node('Mul', [y!, centred!], [x.shape])[0]!];
  });
  return y!;
}

/**
 * Layer normalisation over the last axis (Ba, Kiros & Hinton, "Layer Normalization", 2016). The node's
 * Mean and InvStdDev outputs are reused by the backward rule:
 *   xhat = (x - mean) * invStd,  g = dY * scale,
 *   dX = invStd * (g - mean(g) - xhat * mean(g * xhat)),
 * and, when scale and bias are trainable parameters, dScale = sum(dY * xhat) and dBias = sum(dY) over
 * every leading axis.
 */
export function layerNorm(g: GraphBuilder, x: Value, scale: Value, bias: Value, epsilon: number): Value {
  const keptShape = [...x.shape.slice(0, -1), 1];
  const [y, mean, invStd] = g.node('LayerNormalization', [x, scale, bias], [x.shape, keptShape, keptShape], { axis: -1, epsilon: { float: epsilon } });
  g.record('LayerNorm', [x, scale, bias], [y!], (gb, [gy]) => {
    const node = (op: string, inputs: Value[], shape = x.shape): Value => gb.node(op, inputs, [shape])[0]!;
    const xhat = node('Mul', [node('Sub', [x, mean!]), invStd!]);
    const lastAxisMean = (value: Value): Value => gb.node('ReduceMean', [value], [keptShape], { axes: [x.shape.length - 1], keepdims: 1 })[0]!;
    const inputGradient = (): Value => {
      const scaled = node('Mul', [gy!, scale]);
      const centred = node('Sub', [node('Sub', [scaled, lastAxisMean(scaled)]), node('Mul', [xhat, lastAxisMean(node('Mul', [scaled, xhat]))])]);
      return node('Mul', [centred, invStd!]);
    };
    return [
      x.requiresGrad ? inputGradient() : undefined,
      scale.requiresGrad ? sumToShape(gb, node('Mul', [gy!, xhat]), scale.shape) : undefined,
      bias.requiresGrad ? sumToShape(gb, gy!, bias.shape) : undefined,
    ];
  });
  return y!;
}
