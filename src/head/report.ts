import { ensure, ensureInteger } from '../core/index.js';
import { argmaxRows } from './linear-head.js';

export interface ClassificationReport {
  readonly accuracy: number;
  /** Mean per-class recall over classes that occur (Brodersen et al., ICPR 2010). */
  readonly balancedAccuracy: number;
  /** Binary ROC AUC of the positive class (index 1), or the macro one-vs-rest mean; null when undefined. */
  readonly rocAuc: number | null;
  /** confusion[true][predicted] counts. */
  readonly confusion: number[][];
  readonly perClass: { recall: number | null; precision: number | null; support: number }[];
}

/**
 * ROC AUC as the Mann-Whitney U statistic: the probability that a random positive scores above a random
 * negative, ties counting one half (average ranks; Hanley & McNeil, Radiology 1982). Null without both classes.
 */
export function rocAuc(scores: ArrayLike<number>, positives: ArrayLike<boolean | number>): number | null {
  ensure(scores.length === positives.length, `${scores.length} labels`, 'the ROC AUC labels', positives.length);
  const order = Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => scores[a]! - scores[b]!);
  let positiveRankSum = 0;
  let positiveCount = 0;
  for (let start = 0; start < order.length;) {
    let end = start;
    while (end + 1 < order.length && scores[order[end + 1]!] === scores[order[start]!]) end++;
    const averageRank = (start + end) / 2 + 1;
    for (let i = start; i <= end; i++) {
      if (positives[order[i]!]) {
        positiveRankSum += averageRank;
        positiveCount++;
      }
    }
    start = end + 1;
  }
  const negativeCount = order.length - positiveCount;
  if (positiveCount === 0 || negativeCount === 0) return null;
  return (positiveRankSum - (positiveCount * (positiveCount + 1)) / 2) / (positiveCount * negativeCount);
}

/** Macro one-vs-rest ROC AUC over the classes that have both positives and negatives (binary: class 1). */
export function rocAucMulticlass(probabilities: Float32Array, labels: Int32Array, classCount: number): number | null {
  const n = labels.length;
  const column = (k: number): Float32Array => Float32Array.from({ length: n }, (_, i) => probabilities[i * classCount + k]!);
  if (classCount === 2) return rocAuc(column(1), Array.from(labels, (label) => label === 1));
  const values = Array.from({ length: classCount }, (_, k) => rocAuc(column(k), Array.from(labels, (label) => label === k))).filter((value): value is number => value !== null);
  return values.length === 0 ? null : values.reduce((sum, value) => sum + value, 0) / values.length;
}

export function confusionMatrix(labels: Int32Array, predictions: Int32Array, classCount: number): number[][] {
  ensure(labels.length === predictions.length, `${labels.length} predictions`, 'the confusion matrix', predictions.length);
  const matrix = Array.from({ length: classCount }, () => new Array<number>(classCount).fill(0));
  labels.forEach((label, i) => {
    ensure(label >= 0 && label < classCount, `a label in [0, ${classCount - 1}]`, `label ${i}`, label);
    matrix[label]![predictions[i]!]!++;
  });
  return matrix;
}

/** Accuracy, balanced accuracy, ROC AUC and confusion matrix from [n, K] class probabilities (or scores). */
export function classificationReport(probabilities: Float32Array, labels: Int32Array, classCount: number): ClassificationReport {
  ensureInteger(classCount, 'the class count', { min: 2 });
  ensure(probabilities.length === labels.length * classCount, `${labels.length * classCount} scores`, 'the classification report', probabilities.length);
  const confusion = confusionMatrix(labels, argmaxRows(probabilities, classCount), classCount);
  const perClass = confusion.map((row, k) => {
    const support = row.reduce((sum, value) => sum + value, 0);
    const predicted = confusion.reduce((sum, other) => sum + other[k]!, 0);
    return { recall: support === 0 ? null : row[k]! / support, precision: predicted === 0 ? null : row[k]! / predicted, support };
  });
  const correct = confusion.reduce((sum, row, k) => sum + row[k]!, 0);
  const recalls = perClass.map((entry) => entry.recall).filter((value): value is number => value !== null);
  return {
    accuracy: labels.length === 0 ? 0 : correct / labels.length,
    balancedAccuracy: recalls.length === 0 ? 0 : recalls.reduce((sum, value) => sum + value, 0) / recalls.length,
    rocAuc: rocAucMulticlass(probabilities, labels, classCount),
    confusion,
    perClass,
  };
}
