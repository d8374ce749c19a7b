import { ensure, ensureInteger } from '../core/index.js';

/** y = W f + b for K classes over `dim` features; `weight` is row-major [K, dim]. */
export interface LinearHead {
  readonly classes: string[];
  readonly dim: number;
  readonly weight: Float32Array;
  readonly bias: Float32Array;
}

export function createLinearHead(classes: readonly string[], dim: number, weight?: Float32Array, bias?: Float32Array): LinearHead {
  ensure(classes.length >= 2, 'at least 2 classes', 'the head', classes.length);
  ensureInteger(dim, 'the head feature dimension', { min: 1 });
  const head = { classes: [...classes], dim, weight: weight ?? new Float32Array(classes.length * dim), bias: bias ?? new Float32Array(classes.length) };
  ensure(head.weight.length === classes.length * dim, `${classes.length * dim} weights`, 'the head weight', head.weight.length);
  ensure(head.bias.length === classes.length, `${classes.length} biases`, 'the head bias', head.bias.length);
  return head;
}

/** Number of rows of a row-major [n, dim] feature array, checking that it divides evenly. */
export function rowCount(features: Float32Array, dim: number, what = 'the features'): number {
  ensure(features.length % dim === 0, `a length divisible by the feature dimension ${dim}`, what, features.length);
  return features.length / dim;
}

/** Logits [n, K] for features [n, dim]. */
export function predictHead(head: LinearHead, features: Float32Array): Float32Array {
  const n = rowCount(features, head.dim);
  const classCount = head.classes.length;
  const logits = new Float32Array(n * classCount);
  for (let i = 0; i < n; i++) {
    const offset = i * head.dim;
    for (let k = 0; k < classCount; k++) {
      let sum = head.bias[k]!;
      const weightOffset = k * head.dim;
      for (let d = 0; d < head.dim; d++) sum += head.weight[weightOffset + d]! * features[offset + d]!;
      logits[i * classCount + k] = sum;
    }
  }
  return logits;
}

/** Row-wise softmax of [n, K] logits, shifted by each row's maximum so that large logits do not overflow. */
export function softmax(logits: Float32Array, classCount: number): Float32Array {
  ensureInteger(classCount, 'the class count', { min: 1 });
  const n = rowCount(logits, classCount, 'the logits');
  const out = new Float32Array(logits.length);
  for (let i = 0; i < n; i++) {
    const row = i * classCount;
    let max = -Infinity;
    for (let k = 0; k < classCount; k++) max = Math.max(max, logits[row + k]!);
    let sum = 0;
    for (let k = 0; k < classCount; k++) sum += Math.exp(logits[row + k]! - max);
    for (let k = 0; k < classCount; k++) out[row + k] = Math.exp(logits[row + k]! - max) / sum;
  }
  return out;
}

/** Index of the largest value of each row of an [n, K] array (first on ties). */
export function argmaxRows(values: Float32Array, classCount: number): Int32Array {
  const n = rowCount(values, classCount, 'the scores');
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let k = 1; k < classCount; k++) if (values[i * classCount + k]! > values[i * classCount + best]!) best = k;
    out[i] = best;
  }
  return out;
}
