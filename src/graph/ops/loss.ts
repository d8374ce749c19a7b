/**
 * Training losses on logits [batch, classes], each a scalar with a fused backward rule, so that a
 * training graph returns the loss and, from the same run, every gradient (see autodiff `lossGradients`).
 * Targets are a non-differentiable graph input of the logits' shape (float, so a session feeds them like
 * any other input). Reductions follow PyTorch's defaults (reduction = 'mean').
 */
import { SizeMismatchError, ensure, ensureInteger } from '../../core/index.js';
import type { GraphBuilder, Value } from '../builder.js';

export interface CrossEntropyOptions {
  /** A weight per class (PyTorch's `weight`); default 1 for every class. */
  readonly classWeights?: readonly number[];
}

export interface BinaryCrossEntropyOptions {
  /** A weight per class on the positive term (PyTorch's `pos_weight`); default 1 for every class. */
  readonly positiveWeights?: readonly number[];
}

/**
 * Softmax cross-entropy as PyTorch's CrossEntropyLoss(weight): with targets t (one-hot rows for hard
 * labels), nll_b = -sum_k t_bk log softmax(z_b)_k, per-sample weight s_b = sum_k w_k t_bk, and
 * loss = sum_b s_b nll_b / sum_b s_b (for one-hot targets, PyTorch's weighted mean).
 * Backward: dz_b = (s_b / sum s) (softmax(z_b) sum_k t_bk - t_b).
 */
export function softmaxCrossEntropy(g: GraphBuilder, logits: Value, targets: Value, options: CrossEntropyOptions = {}): Value {
  const classes = checkLossOperands(logits, targets, 'softmax cross-entropy');
  const weights = g.constantFloat(classValues(options.classWeights, classes, 'the class weights'));
  const rows = [logits.shape[0]!, 1];
  const node = (op: string, inputs: Value[], shape: readonly (number | string)[], attributes?: Record<string, number>): Value =>
    g.node(op, inputs, [shape], attributes)[0]!;
  const rowSum = (value: Value): Value => node('ReduceSum', [value, g.constantInt64([1])], rows, { keepdims: 1 });
  const totalSum = (value: Value): Value => node('ReduceSum', [value], [], { keepdims: 0 });
  const logProbabilities = node('LogSoftmax', [logits], logits.shape, { axis: 1 });
  const sampleWeights = rowSum(node('Mul', [targets, weights], logits.shape));
  const logLikelihood = rowSum(node('Mul', [targets, logProbabilities], logits.shape));
  const weightSum = totalSum(sampleWeights);
  const loss = node('Neg', [node('Div', [totalSum(node('Mul', [sampleWeights, logLikelihood], rows)), weightSum], [])], []);
  g.record('SoftmaxCrossEntropy', [logits], [loss], (gb, [gy]) => {
    const probabilities = node('Exp', [logProbabilities], logits.shape);
    const residual = node('Sub', [node('Mul', [probabilities, rowSum(targets)], logits.shape), targets], logits.shape);
    const coefficient = node('Mul', [node('Div', [sampleWeights, weightSum], rows), gy!], rows);
    return [node('Mul', [residual, coefficient], logits.shape)];
  });
  return loss;
}

/**
 * Binary cross-entropy with logits as PyTorch's BCEWithLogitsLoss(pos_weight), one independent sigmoid
 * per class: l = -(p y log sigmoid(z) + (1 - y) log(1 - sigmoid(z))), averaged over every element.
 * Written with softplus(z) = log(1 + e^z) as l = (1 - y + p y) softplus(z) - p y z, and softplus as
 * relu(z) + log(1 + e^-|z|) so large |z| neither overflows nor loses the loss.
 * Backward: dz = ((1 - y + p y) sigmoid(z) - p y) / count.
 */
export function binaryCrossEntropyWithLogits(g: GraphBuilder, logits: Value, targets: Value, options: BinaryCrossEntropyOptions = {}): Value {
  const classes = checkLossOperands(logits, targets, 'binary cross-entropy');
  const positiveWeights = g.constantFloat(classValues(options.positiveWeights, classes, 'the positive weights'));
  const shape = logits.shape;
  const node = (op: string, inputs: Value[], outShape: readonly (number | string)[] = shape, attributes?: Record<string, number>): Value =>
    g.node(op, inputs, [outShape], attributes)[0]!;
  const one = g.constantFloat([1], []);
  const weightedTargets = node('Mul', [targets, positiveWeights]);
  const softplusWeight = node('Add', [node('Sub', [weightedTargets, targets]), one]);
  const tail = node('Log', [node('Add', [node('Exp', [node('Neg', [node('Abs', [logits])])]), one])]);
  const softplus = node('Add', [node('Relu', [logits]), tail]);
  const elementLoss = node('Sub', [node('Mul', [softplusWeight, softplus]), node('Mul', [weightedTargets, logits])]);
  const loss = node('ReduceMean', [elementLoss], [], { keepdims: 0 });
  g.record('BinaryCrossEntropyWithLogits', [logits], [loss], (gb, [gy]) => {
    // The element count is read at run time: the batch is symbolic.
    const count = node('Cast', [node('Size', [logits], [])], [], { to: 1 });
    const residual = node('Sub', [node('Mul', [softplusWeight, node('Sigmoid', [logits])]), weightedTargets]);
    return [node('Mul', [residual, node('Div', [gy!, count], [])])];
  });
  return loss;
}

/** One-hot target rows [labels.length, classes] for softmaxCrossEntropy from class indices. */
export function oneHotTargets(labels: ArrayLike<number>, classes: number): Float32Array {
  ensureInteger(classes, 'the number of classes', { min: 1 });
  const targets = new Float32Array(labels.length * classes);
  for (let i = 0; i < labels.length; i++) {
    const label = ensureInteger(labels[i], `label ${i}`, { min: 0, max: classes - 1 });
    targets[i * classes + label] = 1;
  }
  return targets;
}

function checkLossOperands(logits: Value, targets: Value, what: string): number {
  if (logits.shape.length !== 2 || typeof logits.shape[1] !== 'number') {
    throw new SizeMismatchError(`expected logits [batch, classes] for ${what} but received ${logits.shape.join('x')}`);
  }
  if (targets.shape.join('x') !== logits.shape.join('x')) {
    throw new SizeMismatchError(`expected targets ${logits.shape.join('x')} for ${what} but received ${targets.shape.join('x')}`);
  }
  ensure(!targets.requiresGrad, 'targets that need no gradient', what, targets.name);
  return logits.shape[1];
}

function classValues(values: readonly number[] | undefined, classes: number, what: string): number[] {
  if (values === undefined) return new Array<number>(classes).fill(1);
  ensure(values.length === classes, `${classes} values`, what, values);
  ensure(values.every((v) => Number.isFinite(v) && v >= 0), 'finite non-negative values', what, values);
  return [...values];
}
