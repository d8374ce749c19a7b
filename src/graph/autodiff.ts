/**
 * Reverse-mode differentiation over the builder's tape (Griewank & Walther, "Evaluating Derivatives",
 * 2008, ch. 3; the same scheme as PyTorch autograd). onnxruntime has no autograd, so the gradient is
 * built as more ONNX nodes appended to the forward graph. Only gradients with respect to the
 * differentiable graph input are formed: weights are frozen and get none.
 */
import { RuntimeError, SizeMismatchError } from '../core/index.js';
import type { GraphBuilder, Value } from './builder.js';
import { add } from './ops/elementwise.js';

/**
 * Emit the gradient of `sum(output * seed)` with respect to `input`, i.e. the vector-Jacobian product
 * seed^T J. With `seed` a graph input of the output's shape ([batch, classes] for logits), one run gives
 * the input gradient for any target class (one-hot seed) or mixture of classes per sample.
 */
export function inputGradient(g: GraphBuilder, output: Value, seed: Value, input: Value): Value {
  if (seed.shape.join('x') !== output.shape.join('x')) {
    throw new SizeMismatchError(`expected ${output.shape.join('x')} for the gradient seed but received ${seed.shape.join('x')}`);
  }
  if (!output.requiresGrad || !input.requiresGrad) throw new RuntimeError(`${output.name} does not depend on the differentiable input ${input.name}`);
  const tape = [...g.tape];
  const grads = new Map<string, Value>([[output.name, seed]]);
  g.withoutRecording(() => {
    for (let index = tape.length - 1; index >= 0; index--) {
      const entry = tape[index]!;
      const outputGrads = entry.outputs.map((value) => grads.get(value.name));
      if (outputGrads.every((grad) => grad === undefined)) continue;
      const inputGrads = entry.backward(g, outputGrads);
      entry.inputs.forEach((value, k) => accumulate(g, grads, value, inputGrads[k]));
    }
  });
  const result = grads.get(input.name);
  if (!result) throw new RuntimeError(`no gradient reached ${input.name}`);
  return result;
}

/** A value used by several ops receives the sum of their gradients. */
function accumulate(g: GraphBuilder, grads: Map<string, Value>, value: Value, grad: Value | undefined): void {
  if (!grad || !value.requiresGrad) return;
  const previous = grads.get(value.name);
  grads.set(value.name, previous ? add(g, previous, grad) : grad);
}
