import { ensureMask, ensureOneOf, ensureSameSize, type Mask } from '../core/index.js';

/** Pixel counts of a binary prediction against a binary ground truth (foreground = nonzero). */
export interface ConfusionCounts {
  readonly tp: number;
  readonly fp: number;
  readonly fn: number;
  readonly tn: number;
}

/**
 * What a score means when the ground truth has no foreground (a healthy image):
 * - 'one-if-empty-prediction': an empty prediction scores 1, any foreground predicted scores 0;
 * - 'skip': the score is NaN and reductions leave the image out (MONAI's `ignore_empty`).
 */
export type EmptyGroundTruthRule = 'one-if-empty-prediction' | 'skip';

export const EMPTY_GROUND_TRUTH_RULES: readonly EmptyGroundTruthRule[] = ['one-if-empty-prediction', 'skip'];

export interface ScoreOptions {
  emptyGroundTruth?: EmptyGroundTruthRule;
}

/**
 * Count tp, fp, fn, tn between two masks of the same size; throws SizeMismatchError otherwise.
 * @example confusionCounts(pred, gt) // { tp: 120, fp: 8, fn: 14, tn: 50034 }
 */
export function confusionCounts(pred: Mask, gt: Mask): ConfusionCounts {
  ensureMask(pred, 'the predicted mask');
  ensureMask(gt, 'the ground-truth mask');
  ensureSameSize(gt, pred, 'the predicted mask (ground-truth size)');
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (let i = 0; i < gt.data.length; i++) {
    const p = pred.data[i] !== 0;
    const g = gt.data[i] !== 0;
    if (p && g) tp++;
    else if (p) fp++;
    else if (g) fn++;
  }
  return { tp, fp, fn, tn: gt.data.length - tp - fp - fn };
}

function emptyGroundTruthScore(counts: ConfusionCounts, options: ScoreOptions): number {
  const rule = ensureOneOf(options.emptyGroundTruth ?? 'one-if-empty-prediction', 'the empty-ground-truth rule', EMPTY_GROUND_TRUTH_RULES);
  if (rule === 'skip') return Number.NaN;
  return counts.fp === 0 ? 1 : 0;
}

/** Foreground intersection over union, tp / (tp + fp + fn), with the empty-ground-truth rule. */
export function iouFromCounts(counts: ConfusionCounts, options: ScoreOptions = {}): number {
  if (counts.tp + counts.fn === 0) return emptyGroundTruthScore(counts, options);
  return counts.tp / (counts.tp + counts.fp + counts.fn);
}

/** Foreground Dice (F1), 2 tp / (2 tp + fp + fn), with the empty-ground-truth rule. */
export function diceFromCounts(counts: ConfusionCounts, options: ScoreOptions = {}): number {
  if (counts.tp + counts.fn === 0) return emptyGroundTruthScore(counts, options);
  return (2 * counts.tp) / (2 * counts.tp + counts.fp + counts.fn);
}

/** Per-image foreground IoU (Jaccard index). Reference: P. Jaccard, 1912. */
export function iou(pred: Mask, gt: Mask, options: ScoreOptions = {}): number {
  return iouFromCounts(confusionCounts(pred, gt), options);
}

/** Per-image foreground Dice. Reference: L. R. Dice, "Measures of the amount of ecologic association", 1945. */
export function dice(pred: Mask, gt: Mask, options: ScoreOptions = {}): number {
  return diceFromCounts(confusionCounts(pred, gt), options);
}

/**
 * Two-class mean IoU: the mean of background IoU, tn / (tn + fp + fn), and foreground IoU. A class absent
 * from both prediction and ground truth scores 1 (nothing to get wrong), so this is never NaN.
 */
export function meanIouTwoClass(counts: ConfusionCounts): number {
  const errors = counts.fp + counts.fn;
  const foreground = counts.tp + errors === 0 ? 1 : counts.tp / (counts.tp + errors);
  const background = counts.tn + errors === 0 ? 1 : counts.tn / (counts.tn + errors);
  return (foreground + background) / 2;
}

/** Element-wise sum of counts (dataset-level pooling). */
export function sumCounts(all: readonly ConfusionCounts[]): ConfusionCounts {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let tn = 0;
  for (const c of all) {
    tp += c.tp;
    fp += c.fp;
    fn += c.fn;
    tn += c.tn;
  }
  return { tp, fp, fn, tn };
}

/** Dataset-level IoU from summed counts (large objects weigh more than in the mean over images). */
export function pooledIou(all: readonly ConfusionCounts[], options: ScoreOptions = {}): number {
  return iouFromCounts(sumCounts(all), options);
}

/** Dataset-level Dice from summed counts. */
export function pooledDice(all: readonly ConfusionCounts[], options: ScoreOptions = {}): number {
  return diceFromCounts(sumCounts(all), options);
}
