/**
 * The student segmentation head (issue 14, section 3): a per-token foreground classifier on the backbone's
 * patch tokens, trained on soft token targets from pseudo-masks with a confidence weight per token (weighted
 * binary cross-entropy with soft labels), by mini-batch Adam (Kingma & Ba, ICLR 2015). `hidden` 0 is a
 * logistic regression; `hidden` > 0 a one-hidden-layer ReLU MLP. Features are standardised with the training
 * set's mean and spread, which the head keeps.
 */
import { createProgressTracker, createRng, ensure, ensureInteger, ensureNumber, type ProgressCallback } from '../core/index.js';
import { rowCount } from './linear-head.js';

export interface StudentHead {
  readonly dim: number;
  /** 0: logistic regression; else the width of the hidden ReLU layer. */
  readonly hidden: number;
  readonly mean: Float32Array;
  readonly scale: Float32Array;
  /** Layer 1: [hidden || 1, dim] and its bias. */
  readonly w1: Float32Array;
  readonly b1: Float32Array;
  /** Layer 2 (MLP only): [hidden] and one bias; empty for the logistic head. */
  readonly w2: Float32Array;
  readonly b2: Float32Array;
}

export interface StudentSamples {
  /** [n, dim] row-major. */
  readonly features: Float32Array;
  /** [n] soft targets in [0, 1]. */
  readonly targets: Float32Array;
  /** [n] confidence weights >= 0; rows of weight 0 are left out. */
  readonly weights: Float32Array;
}

export interface TrainStudentOptions {
  readonly hidden?: number;
  readonly epochs?: number;
  readonly lr?: number;
  readonly weightDecay?: number;
  readonly batchSize?: number;
  readonly seed?: number;
  readonly onProgress?: ProgressCallback;
}

export interface TrainStudentResult {
  readonly head: StudentHead;
  /** Weighted training loss after each epoch. */
  readonly losses: number[];
  readonly samples: number;
}

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

function standardiser(samples: StudentSamples, dim: number, rows: readonly number[]): { mean: Float32Array; scale: Float32Array } {
  const mean = new Float64Array(dim);
  const square = new Float64Array(dim);
  for (const row of rows) for (let d = 0; d < dim; d++) {
    const v = samples.features[row * dim + d]!;
    mean[d]! += v / rows.length;
    square[d]! += (v * v) / rows.length;
  }
  return { mean: Float32Array.from(mean), scale: Float32Array.from(mean, (m, d) => 1 / Math.sqrt(Math.max(square[d]! - m * m, 0) + 1e-6)) };
}

/** Hidden activations (MLP) into `hiddenOut` and the logit of one standardised row. */
function forwardRow(head: StudentHead, x: Float32Array, hiddenOut: Float64Array): number {
  const { dim, hidden, w1, b1, w2, b2 } = head;
  const units = Math.max(1, hidden);
  for (let h = 0; h < units; h++) {
    let sum = b1[h]!;
    for (let d = 0; d < dim; d++) sum += w1[h * dim + d]! * x[d]!;
    hiddenOut[h] = hidden === 0 ? sum : Math.max(0, sum);
  }
  if (hidden === 0) return hiddenOut[0]!;
  let logit = b2[0]!;
  for (let h = 0; h < hidden; h++) logit += w2[h]! * hiddenOut[h]!;
  return logit;
}

function standardise(head: StudentHead, features: Float32Array, row: number, out: Float32Array): Float32Array {
  for (let d = 0; d < head.dim; d++) out[d] = (features[row * head.dim + d]! - head.mean[d]!) * head.scale[d]!;
  return out;
}

/** Foreground probability of each row of `features` [n, dim]. */
export function predictStudentHead(head: StudentHead, features: Float32Array): Float32Array {
  const n = rowCount(features, head.dim, 'the student features');
  const x = new Float32Array(head.dim);
  const hidden = new Float64Array(Math.max(1, head.hidden));
  return Float32Array.from({ length: n }, (_, row) => sigmoid(forwardRow(head, standardise(head, features, row, x), hidden)));
}

function initialHead(dim: number, hidden: number, stats: { mean: Float32Array; scale: Float32Array }, seed: number): StudentHead {
  const rng = createRng(seed);
  const units = Math.max(1, hidden);
  const bound = hidden === 0 ? 0 : 1 / Math.sqrt(dim);
  const w1 = Float32Array.from({ length: units * dim }, () => (2 * rng.next() - 1) * bound);
  const w2 = Float32Array.from({ length: hidden }, () => (2 * rng.next() - 1) / Math.sqrt(Math.max(1, hidden)));
  return { dim, hidden, ...stats, w1, b1: new Float32Array(units), w2, b2: new Float32Array(hidden === 0 ? 0 : 1) };
}

/** Adam over the head's four parameter arrays, with L2 decay on the weights (not the biases). */
function createAdam(head: StudentHead, lr: number, weightDecay: number): (grads: Float64Array[]) => void {
  const params = [head.w1, head.b1, head.w2, head.b2];
  const m = params.map((p) => new Float64Array(p.length));
  const v = params.map((p) => new Float64Array(p.length));
  let step = 0;
  return (grads) => {
    step++;
    const correction = Math.sqrt(1 - 0.999 ** step) / (1 - 0.9 ** step);
    params.forEach((param, k) => {
      const decay = k % 2 === 0 ? weightDecay : 0;
      for (let i = 0; i < param.length; i++) {
        const g = grads[k]![i]! + decay * param[i]!;
        m[k]![i] = 0.9 * m[k]![i]! + 0.1 * g;
        v[k]![i] = 0.999 * v[k]![i]! + 0.001 * g * g;
        param[i] = param[i]! - (lr * correction * m[k]![i]!) / (Math.sqrt(v[k]![i]!) + 1e-8);
      }
    });
  };
}

/** Gradients of the weighted soft-label BCE over one mini-batch; returns the batch's summed weighted loss. */
function batchGradients(head: StudentHead, samples: StudentSamples, batch: readonly number[], grads: Float64Array[]): number {
  grads.forEach((g) => g.fill(0));
  const { dim, hidden } = head;
  const x = new Float32Array(dim);
  const act = new Float64Array(Math.max(1, hidden));
  let total = 0;
  for (const row of batch) total += samples.weights[row]!;
  let loss = 0;
  for (const row of batch) {
    const logit = forwardRow(head, standardise(head, samples.features, row, x), act);
    const p = sigmoid(logit);
    const t = samples.targets[row]!;
    const w = samples.weights[row]!;
    loss -= w * (t * Math.log(Math.max(p, 1e-12)) + (1 - t) * Math.log(Math.max(1 - p, 1e-12)));
    const dLogit = (w * (p - t)) / total;
    if (hidden === 0) {
      for (let d = 0; d < dim; d++) grads[0]![d]! += dLogit * x[d]!;
      grads[1]![0]! += dLogit;
      continue;
    }
    grads[3]![0]! += dLogit;
    for (let h = 0; h < hidden; h++) {
      grads[2]![h]! += dLogit * act[h]!;
      if (act[h]! <= 0) continue;
      const dh = dLogit * head.w2[h]!;
      grads[1]![h]! += dh;
      for (let d = 0; d < dim; d++) grads[0]![h * dim + d]! += dh * x[d]!;
    }
  }
  return loss;
}

/**
 * Train the student on confident tokens. Deterministic for a seed (initialisation and mini-batch order).
 *
 * @example const { head } = trainStudentHead({ features, targets, weights }, { hidden: 0, epochs: 20 });
 */
export function trainStudentHead(samples: StudentSamples, options: TrainStudentOptions = {}): TrainStudentResult {
  const n = samples.targets.length;
  ensure(n > 0 && samples.weights.length === n, `${n} weights (one per target)`, 'the student samples', samples.weights.length);
  const dim = samples.features.length / n;
  ensure(Number.isInteger(dim) && dim >= 1, `[${n}, dim] features`, 'the student features', samples.features.length);
  const hidden = ensureInteger(options.hidden ?? 0, 'the student hidden width', { min: 0 });
  const epochs = ensureInteger(options.epochs ?? 20, 'the student epochs', { min: 1 });
  const lr = ensureNumber(options.lr ?? 0.01, 'the student learning rate', { min: 0 });
  const weightDecay = ensureNumber(options.weightDecay ?? 1e-3, 'the student weight decay', { min: 0 });
  const batchSize = ensureInteger(options.batchSize ?? 256, 'the student batch size', { min: 1 });
  const rows = Array.from({ length: n }, (_, i) => i).filter((i) => samples.weights[i]! > 0);
  ensure(rows.length > 0, 'at least one token of weight > 0', 'the student samples', 0);
  const seed = options.seed ?? 0;
  const head = initialHead(dim, hidden, standardiser(samples, dim, rows), seed);
  const step = createAdam(head, lr, weightDecay);
  const grads = [head.w1, head.b1, head.w2, head.b2].map((p) => new Float64Array(p.length));
  const rng = createRng(seed + 1);
  const progress = createProgressTracker('student', epochs, options.onProgress);
  const weightSum = rows.reduce((sum, row) => sum + samples.weights[row]!, 0);
  const losses: number[] = [];
  for (let epoch = 0; epoch < epochs; epoch++) {
    const order = rng.shuffle(rows.slice());
    let loss = 0;
    for (let start = 0; start < order.length; start += batchSize) {
      loss += batchGradients(head, samples, order.slice(start, start + batchSize), grads);
      step(grads);
    }
    losses.push(loss / weightSum);
    progress.advance(1, `epoch ${epoch + 1}: loss ${(loss / weightSum).toFixed(4)}`);
  }
  return { head, losses, samples: rows.length };
}

/** The head as plain JSON (numbers as arrays). */
export function studentHeadToJson(head: StudentHead): Record<string, unknown> {
  const { dim, hidden, mean, scale, w1, b1, w2, b2 } = head;
  return { dim, hidden, mean: Array.from(mean), scale: Array.from(scale), w1: Array.from(w1), b1: Array.from(b1), w2: Array.from(w2), b2: Array.from(b2) };
}

/** The head back from JSON, every array's length checked against dim and hidden. */
export function studentHeadFromJson(json: Record<string, unknown>, what = 'the student head'): StudentHead {
  const dim = ensureInteger(json.dim, `the dim of ${what}`, { min: 1 });
  const hidden = ensureInteger(json.hidden, `the hidden width of ${what}`, { min: 0 });
  const units = Math.max(1, hidden);
  const array = (name: string, length: number): Float32Array => {
    const value = json[name];
    ensure(Array.isArray(value) && value.length === length && value.every(Number.isFinite), `${length} finite numbers`, `${name} of ${what}`, Array.isArray(value) ? value.length : value);
    return Float32Array.from(value as number[]);
  };
  return {
    dim, hidden, mean: array('mean', dim), scale: array('scale', dim), w1: array('w1', units * dim), b1: array('b1', units),
    w2: array('w2', hidden), b2: array('b2', hidden === 0 ? 0 : 1),
  };
}

/**
 * The probability threshold at which a share `fraction` of `probabilities` is foreground: the student's masks
 * then cover as much as its pseudo-masks did on average (noisy labels pull a calibrated probability below 0.5
 * inside small objects, so 0.5 would under-segment them).
 */
export function thresholdForFraction(probabilities: Float32Array, fraction: number): number {
  ensureNumber(fraction, 'the foreground fraction', { min: 0, max: 1 });
  ensure(probabilities.length > 0, 'at least one probability', 'the threshold by fraction', 0);
  const sorted = Float32Array.from(probabilities).sort();
  const above = Math.round(fraction * sorted.length);
  return above >= sorted.length ? 0 : sorted[sorted.length - above - 1]!;
}
