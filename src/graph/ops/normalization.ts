/**
 * Softmax and LayerNormalization with their backward rules.
 */
import { type GraphBuilder, type Value, normalizeAxis } from '../builder.js';

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
 * Layer normalisation over the last axis (Ba, Kiros & Hinton, "Layer Normalization", 2016), with frozen
 * scale and bias. The node's Mean and InvStdDev outputs are reused by the backward rule:
 *   xhat = (x - mean) * invStd,  g = dY * scale,
 *   dX = invStd * (g - mean(g) - xhat * mean(g * xhat)).
 */
export function layerNorm(g: GraphBuilder, x: Value, scale: Value, bias: Value, epsilon: number): Value {
  const keptShape = [...x.shape.slice(0, -1), 1];
  const [y, mean, invStd] = g.node('LayerNormalization', [x, scale, bias], [x.shape, keptShape, keptShape], { axis: -1, epsilon: { float: epsilon } });
  g.record('LayerNorm', [x], [y!], (gb, [gy]) => {
    const node = (op: string, inputs: Value[], shape = x.shape): Value => gb.node(op, inputs, [shape])[0]!;
    const xhat = node('Mul', [node('Sub', [x, mean!]), invStd!]);
    const scaled = node('Mul', [gy!, scale]);
    const meanScaled = gb.node('ReduceMean', [scaled], [keptShape], { axes: [x.shape.length - 1], keepdims: 1 })[0]!;
    const meanProduct = gb.node('ReduceMean', [node('Mul', [scaled, xhat])], [keptShape], { axes: [x.shape.length - 1], keepdims: 1 })[0]!;
    const centred = node('Sub', [node('Sub', [scaled, meanScaled]), node('Mul', [xhat, meanProduct])]);
    return [node('Mul', [centred, invStd!])];
  });
  return y!;
}
