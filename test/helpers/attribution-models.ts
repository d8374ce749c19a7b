/**
 * Toy models with hand-written gradients, in the GradientFn contract of src/attribution
 * (inputs [batch, C, H, W], scores[b] for targets[b], gradients shaped like inputs).
 */
import type { GradientFn } from '../../src/attribution/index.js';

/** F_t(x) = sum_i w[t][i] x_i: IG of a linear model is exactly (x - x') * w times the weights' sum. */
export function linearModel(weightsPerClass: readonly Float32Array[]): GradientFn {
  return async (inputs, batch, targets) => {
    const size = inputs.length / batch;
    const scores = new Float32Array(batch);
    const gradients = new Float32Array(inputs.length);
    for (let b = 0; b < batch; b++) {
      const w = weightsPerClass[targets[b]!]!;
      let score = 0;
      for (let i = 0; i < size; i++) {
        score += w[i]! * inputs[b * size + i]!;
        gradients[b * size + i] = w[i]!;
      }
      scores[b] = score;
    }
    return { scores, gradients };
  };
}

/** F(x) = sum_i f(x_i) for an elementwise f with derivative df; the target is ignored. */
export function separableModel(f: (v: number) => number, df: (v: number) => number): GradientFn {
  return async (inputs, batch) => {
    const size = inputs.length / batch;
    const scores = new Float32Array(batch);
    const gradients = inputs.map(df);
    for (let b = 0; b < batch; b++) {
      let score = 0;
      for (let i = 0; i < size; i++) score += f(inputs[b * size + i]!);
      scores[b] = score;
    }
    return { scores, gradients };
  };
}

export interface ToyMlpWeights {
  readonly w1: readonly number[]; // [hidden, inputSize]
  readonly b1: readonly number[]; // [hidden]
  readonly w2: readonly number[]; // [classes, hidden]
  readonly b2: readonly number[]; // [classes]
}

/**
 * The fixture generator's model, F(x) = W2 tanh(W1 vec(x) + b1) + b2, with its gradient by hand:
 * dF_t/dx = W1^T ((1 - h^2) * W2[t]). Computed in float64, returned as float32.
 */
export function toyMlp(weights: ToyMlpWeights, hidden: number): GradientFn {
  const inputSize = weights.w1.length / hidden;
  return async (inputs, batch, targets) => {
    const scores = new Float32Array(batch);
    const gradients = new Float32Array(inputs.length);
    for (let b = 0; b < batch; b++) {
      const x = inputs.subarray(b * inputSize, (b + 1) * inputSize);
      const t = targets[b]!;
      let score = weights.b2[t]!;
      const back = new Float64Array(hidden);
      for (let j = 0; j < hidden; j++) {
        let pre = weights.b1[j]!;
        for (let i = 0; i < inputSize; i++) pre += weights.w1[j * inputSize + i]! * x[i]!;
        const h = Math.tanh(pre);
        score += weights.w2[t * hidden + j]! * h;
        back[j] = (1 - h * h) * weights.w2[t * hidden + j]!;
      }
      for (let i = 0; i < inputSize; i++) {
        let g = 0;
        for (let j = 0; j < hidden; j++) g += weights.w1[j * inputSize + i]! * back[j]!;
        gradients[b * inputSize + i] = g;
      }
      scores[b] = score;
    }
    return { scores, gradients };
  };
}
