/**
 * Reverse-mode differentiation over the builder's tape (Griewank & Walther, "Evaluating Derivatives",
 * 2008, ch. 3; the same scheme as PyTorch autograd). onnxruntime has no autograd, so the gradient is
 * built as more ONNX nodes appended to the forward graph. Gradients are formed with respect to
 * differentiable values only: the differentiable graph input and trainable parameters (GraphBuilder
 * `parameter`); frozen weights (initialisers) get none.
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
  return gradients(g, output, seed, [input])[0]!;
}

/**
 * Emit the gradients of `sum(output * seed)` with respect to each of `wrt` (the differentiable input,
 * parameters, or both), in the order given, from one backward pass over the tape.
 */
export function gradients(g: GraphBuilder, output: Value, seed: Value, wrt: readonly Value[]): Value[] {
  if (seed.shape.join('x') !== output.shape.join('x')) {
    throw new SizeMismatchError(`expected ${output.shape.join('x')} for the gradient seed but received ${seed.shape.join('x')}`);
  }
  for (const value of wrt) {
    if (!output.requiresGrad || !value.requiresGrad) throw new RuntimeError(`${output.name} does not depend on the differentiable value ${value.name}`);
  }
  const grads = backpropagate(g, output, seed);
  return wrt.map((value) => {
    const result = grads.get(value.name);
    if (!result) throw new RuntimeError(`no gradient reached ${value.name}`);
    return result;
  });
}

/**
 * Gradients of a scalar loss (shape []) with respect to each of `wrt`: the seed is the constant 1, so a
 * training graph needs no seed input and one run returns the loss and every gradient.
 */
export function lossGradients(g: GraphBuilder, loss: Value, wrt: readonly Value[]): Value[] {
  if (loss.shape.length !== 0) throw new SizeMismatchError(`expected a scalar for the loss but received ${loss.shape.join('x')}`);
  return gradients(g, loss, g.constantFloat([1], []), wrt);
}

/** Walk the tape backwards from `output`; returns the gradient of every value a gradient reached, by name. */
function backpropagate(g: GraphBuilder, output: Value, seed: Value): Map<string, Value> {
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
  return grads;
}

/** A value used by several ops receives the sum of their gradients. */
function accumulate(g: GraphBuilder, grads: Map<string, Value>, value: Value, grad: Value | undefined): void {
  if (!grad || !value.requiresGrad) return;
  const previous = grads.get(value.name);
  grads.set(value.name, previous ? add(g, previous, grad) : grad);
}
