import {
  createProgressTracker, createRng, ensure, ensureInteger, ensureNumber, type ProgressCallback, type Rng,
} from '../core/index.js';
import { createLinearHead, predictHead, rowCount, softmax, type LinearHead } from './linear-head.js';
import { classificationReport } from './report.js';

export interface TrainHeadOptions {
  classes: readonly string[];
  /** Default 100. */
  epochs?: number;
  /** Initial learning rate, default 0.005. */
  lr?: number;
  /** Default 0.9. */
  momentum?: number;
  /** Multiply the learning rate by `gamma` every `stepEvery` epochs (default 50 and 0.1). */
  stepEvery?: number;
  gamma?: number;
  /** L2 penalty on the weights (not the bias), default 0. */
  weightDecay?: number;
  /** Default 32. */
  batchSize?: number;
  /** 'balanced': n / (K n_k), as scikit-learn; an explicit list; or null for equal weights (default). */
  classWeights?: 'balanced' | readonly number[] | null;
  validation?: { features: Float32Array; labels: Int32Array };
  /** Stop after this many epochs without validation improvement (default 10); needs `validation`. */
  patience?: number;
  /** What early stopping watches (default 'loss'). */
  monitor?: 'loss' | 'balancedAccuracy';
  seed?: number;
  onProgress?: ProgressCallback;
}

export interface EpochRecord {
  readonly epoch: number;
  readonly lr: number;
  readonly trainLoss: number;
  readonly valLoss?: number;
  readonly valBalancedAccuracy?: number;
  /** ROC AUC on validation (null when it has one class only). */
  readonly valRocAuc?: number | null;
  /** Wall-clock seconds of the epoch (fine-tuning records it; the linear head is too fast to matter). */
  readonly seconds?: number;
}

export interface TrainHeadResult {
  readonly head: LinearHead;
  readonly history: EpochRecord[];
  /** Epoch whose weights were kept (the best on validation, else the last). */
  readonly bestEpoch: number;
  readonly stoppedEarly: boolean;
}

/** Step decay (PyTorch StepLR): lr * gamma^floor(epoch / stepEvery), epochs counted from 0. */
export function learningRateAt(epoch: number, schedule: { lr: number; stepEvery: number; gamma: number }): number {
  return schedule.lr * schedule.gamma ** Math.floor(epoch / schedule.stepEvery);
}

/** Per-class loss weights; 'balanced' gives each class the same total weight (King & Zeng 2001; scikit-learn). */
export function resolveClassWeights(spec: TrainHeadOptions['classWeights'], labels: Int32Array, classCount: number): Float64Array {
  if (spec === null || spec === undefined) return new Float64Array(classCount).fill(1);
  if (spec !== 'balanced') {
    ensure(spec.length === classCount, `${classCount} class weights`, 'the class weights', spec.length);
    spec.forEach((value, k) => ensureNumber(value, `class weight ${k}`, { min: 0 }));
    return Float64Array.from(spec);
  }
  const counts = new Float64Array(classCount);
  for (const label of labels) counts[label]!++;
  return counts.map((count) => (count === 0 ? 0 : labels.length / (classCount * count)));
}

/** Weighted mean cross-entropy, normalised by the summed weights as in PyTorch's CrossEntropyLoss. */
export function crossEntropy(probabilities: Float32Array, labels: Int32Array, weights: Float64Array): number {
  const classCount = weights.length;
  let loss = 0;
  let total = 0;
  labels.forEach((label, i) => {
    loss -= weights[label]! * Math.log(Math.max(probabilities[i * classCount + label]!, 1e-12));
    total += weights[label]!;
  });
  return total === 0 ? 0 : loss / total;
}

function checkInputs(features: Float32Array, labels: Int32Array, options: TrainHeadOptions): number {
  ensure(options.classes.length >= 2, 'at least 2 classes', 'the head classes', options.classes.length);
  ensure(labels.length > 0, 'at least one training example', 'the head training set', 0);
  ensure(features.length % labels.length === 0, `a multiple of ${labels.length} values`, 'the training features', features.length);
  labels.forEach((label, i) => ensure(label >= 0 && label < options.classes.length, `a label in [0, ${options.classes.length - 1}]`, `training label ${i}`, label));
  return features.length / labels.length;
}

/** PyTorch nn.Linear's initialisation: U(-1/sqrt(dim), 1/sqrt(dim)), from the seeded generator. */
function initialHead(classes: readonly string[], dim: number, rng: Rng): LinearHead {
  const bound = 1 / Math.sqrt(dim);
  const head = createLinearHead(classes, dim);
  for (let i = 0; i < head.weight.length; i++) head.weight[i] = (2 * rng.next() - 1) * bound;
  for (let k = 0; k < head.bias.length; k++) head.bias[k] = (2 * rng.next() - 1) * bound;
  return head;
}

function copyHead(head: LinearHead): LinearHead {
  return createLinearHead(head.classes, head.dim, head.weight.slice(), head.bias.slice());
}

interface SgdState {
  weightVelocity: Float64Array;
  biasVelocity: Float64Array;
}

/** One mini-batch step of SGD with (PyTorch-style) momentum: v = mu v + g; w -= lr v. */
function sgdStep(head: LinearHead, state: SgdState, batch: { features: Float32Array; labels: Int32Array }, settings: { lr: number; momentum: number; weightDecay: number; weights: Float64Array }): void {
  const classCount = head.classes.length;
  const probabilities = softmax(predictHead(head, batch.features), classCount);
  const gradWeight = new Float64Array(head.weight.length);
  const gradBias = new Float64Array(classCount);
  let weightSum = 0;
  batch.labels.forEach((label) => (weightSum += settings.weights[label]!));
  if (weightSum === 0) return;
  batch.labels.forEach((label, i) => {
    const scale = settings.weights[label]! / weightSum;
    for (let k = 0; k < classCount; k++) {
      const delta = scale * (probabilities[i * classCount + k]! - (k === label ? 1 : 0));
      gradBias[k]! += delta;
      for (let d = 0; d < head.dim; d++) gradWeight[k * head.dim + d]! += delta * batch.features[i * head.dim + d]!;
    }
  });
  for (let j = 0; j < head.weight.length; j++) {
    state.weightVelocity[j] = settings.momentum * state.weightVelocity[j]! + gradWeight[j]! + settings.weightDecay * head.weight[j]!;
    head.weight[j]! -= settings.lr * state.weightVelocity[j]!;
  }
  for (let k = 0; k < classCount; k++) {
    state.biasVelocity[k] = settings.momentum * state.biasVelocity[k]! + gradBias[k]!;
    head.bias[k]! -= settings.lr * state.biasVelocity[k]!;
  }
}

function takeRows(features: Float32Array, labels: Int32Array, dim: number, rows: readonly number[]): { features: Float32Array; labels: Int32Array } {
  const out = new Float32Array(rows.length * dim);
  rows.forEach((row, i) => out.set(features.subarray(row * dim, (row + 1) * dim), i * dim));
  return { features: out, labels: Int32Array.from(rows, (row) => labels[row]!) };
}

/**
 * Trains a linear classifier on frozen features with softmax cross-entropy, mini-batch SGD with momentum and
 * step decay (the linear-probe protocol of DINO, Caron et al., ICCV 2021). With `validation`, keeps the weights
 * of the best epoch and stops after `patience` epochs without improvement.
 */
export function trainLinearHead(features: Float32Array, labels: Int32Array, options: TrainHeadOptions): TrainHeadResult {
  const dim = checkInputs(features, labels, options);
  const epochs = ensureInteger(options.epochs ?? 100, 'the number of epochs', { min: 1 });
  const batchSize = ensureInteger(options.batchSize ?? 32, 'the batch size', { min: 1 });
  const patience = ensureInteger(options.patience ?? 10, 'the early-stopping patience', { min: 1 });
  const schedule = {
    lr: ensureNumber(options.lr ?? 0.005, 'the learning rate', { min: 0 }),
    stepEvery: ensureInteger(options.stepEvery ?? 50, 'the step-decay period', { min: 1 }),
    gamma: ensureNumber(options.gamma ?? 0.1, 'the step-decay factor', { min: 0 }),
  };
  const momentum = ensureNumber(options.momentum ?? 0.9, 'the momentum', { min: 0, max: 1 });
  const weightDecay = ensureNumber(options.weightDecay ?? 0, 'the weight decay', { min: 0 });
  if (options.validation) rowCount(options.validation.features, dim, 'the validation features');
  const classCount = options.classes.length;
  const weights = resolveClassWeights(options.classWeights, labels, classCount);
  const rng = createRng(options.seed ?? 0);
  const head = initialHead(options.classes, dim, rng);
  const state: SgdState = { weightVelocity: new Float64Array(head.weight.length), biasVelocity: new Float64Array(classCount) };
  const progress = createProgressTracker('train-head', epochs, options.onProgress);
  const history: EpochRecord[] = [];
  const monitor = options.monitor ?? 'loss';
  let best = { score: Infinity, epoch: -1, head: copyHead(head) };
  for (let epoch = 0; epoch < epochs; epoch++) {
    const lr = learningRateAt(epoch, schedule);
    const order = rng.shuffle(Array.from({ length: labels.length }, (_, i) => i));
    for (let start = 0; start < order.length; start += batchSize) {
      sgdStep(head, state, takeRows(features, labels, dim, order.slice(start, start + batchSize)), { lr, momentum, weightDecay, weights });
    }
    const record = evaluateEpoch(head, { epoch, lr, features, labels, weights, validation: options.validation });
    history.push(record);
    progress.advance(1, `epoch ${epoch + 1}: loss ${record.trainLoss.toFixed(4)}`);
    if (!options.validation) continue;
    const score = monitor === 'loss' ? record.valLoss! : -record.valBalancedAccuracy!;
    if (score < best.score - 1e-9) best = { score, epoch, head: copyHead(head) };
    else if (epoch - best.epoch >= patience) {
      progress.set(epochs, `stopped early after epoch ${epoch + 1}; kept epoch ${best.epoch + 1}`); // so a progress bar completes
      return { head: best.head, history, bestEpoch: best.epoch, stoppedEarly: true };
    }
  }
  if (!options.validation) best = { score: 0, epoch: epochs - 1, head };
  return { head: best.head, history, bestEpoch: best.epoch, stoppedEarly: false };
}

function evaluateEpoch(head: LinearHead, context: { epoch: number; lr: number; features: Float32Array; labels: Int32Array; weights: Float64Array; validation?: TrainHeadOptions['validation'] }): EpochRecord {
  const classCount = head.classes.length;
  const trainLoss = crossEntropy(softmax(predictHead(head, context.features), classCount), context.labels, context.weights);
  if (!context.validation) return { epoch: context.epoch, lr: context.lr, trainLoss };
  const probabilities = softmax(predictHead(head, context.validation.features), classCount);
  const equal = new Float64Array(classCount).fill(1);
  const report = classificationReport(probabilities, context.validation.labels, classCount);
  return {
    epoch: context.epoch, lr: context.lr, trainLoss,
    valLoss: crossEntropy(probabilities, context.validation.labels, equal),
    valBalancedAccuracy: report.balancedAccuracy, valRocAuc: report.rocAuc,
  };
}
