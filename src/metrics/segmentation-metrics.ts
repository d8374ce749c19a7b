import { ensureInteger, ensureNumber, ensureOneOf, type Mask } from '../core/index.js';
import { bootstrapMeanIntervals, type Interval } from './bootstrap.js';
import {
  confusionCounts, diceFromCounts, EMPTY_GROUND_TRUTH_RULES, iouFromCounts, meanIouTwoClass, sumCounts,
  type ConfusionCounts, type EmptyGroundTruthRule,
} from './confusion.js';

export interface SegmentationMetricsOptions {
  emptyGroundTruth?: EmptyGroundTruthRule;
  /** Bootstrap resamples for the confidence intervals; 0 turns them off. */
  bootstrapResamples?: number;
  /** Two-sided level of the percentile intervals. */
  confidence?: number;
  seed?: number;
}

/** One image's scores, ready for CSV; `iou`/`dice` are NaN when the image is skipped. */
export interface ImageScoreRow extends ConfusionCounts {
  readonly id: string;
  readonly iou: number;
  readonly dice: number;
  readonly meanIouTwoClass: number;
  readonly gtPixels: number;
  readonly predPixels: number;
}

export type { Interval } from './bootstrap.js';

export interface MetricsSummary {
  readonly images: number;
  /** Images that entered the means (all but the skipped empty-ground-truth ones). */
  readonly scored: number;
  /** Mean over scored images: the headline numbers. NaN when nothing was scored. */
  readonly meanIou: number;
  readonly meanDice: number;
  /** From the counts summed over all images. */
  readonly pooledIou: number;
  readonly pooledDice: number;
  /** Two-class (background, foreground) mIoU: mean over all images, and from pooled counts. */
  readonly meanIouTwoClass: number;
  readonly pooledMeanIouTwoClass: number;
  /**
   * Mean over all images of the predicted and of the true foreground fraction (pixels / image pixels): a
   * method that returns half the frame where lesions cover a tenth shows at once. NaN when there are no images.
   */
  readonly meanPredictedFraction: number;
  readonly meanTrueFraction: number;
  /** Percentile bootstrap intervals over the scored images; null when resampling is off or nothing was scored. */
  readonly intervals: { readonly level: number; readonly resamples: number; readonly meanIou: Interval; readonly meanDice: Interval } | null;
  readonly rows: readonly ImageScoreRow[];
}

/**
 * Accumulates per-image confusion counts and reduces them explicitly (in the manner of MONAI's `MeanIoU`):
 * mean over images, pooled over pixels, two-class mIoU, and percentile bootstrap intervals
 * (B. Efron & R. Tibshirani, An Introduction to the Bootstrap, 1993, ch. 13) from a seeded generator.
 *
 * @example const m = new SegmentationMetrics({ seed: 1 }); m.add(pred, gt, 'case-01'); m.result().meanDice
 */
export class SegmentationMetrics {
  private readonly rows: ImageScoreRow[] = [];
  private readonly rule: EmptyGroundTruthRule;
  private readonly resamples: number;
  private readonly confidence: number;
  private readonly seed: number;

  constructor(options: SegmentationMetricsOptions = {}) {
    this.rule = ensureOneOf(options.emptyGroundTruth ?? 'one-if-empty-prediction', 'emptyGroundTruth', EMPTY_GROUND_TRUTH_RULES);
    this.resamples = ensureInteger(options.bootstrapResamples ?? 1000, 'bootstrapResamples', { min: 0 });
    this.confidence = ensureNumber(options.confidence ?? 0.95, 'confidence', { min: 0, max: 1 });
    this.seed = ensureInteger(options.seed ?? 0, 'seed', { min: 0, max: 2 ** 32 - 1 });
  }

  /** Scores one image (SizeMismatchError when the masks differ in size) and returns its row. */
  add(pred: Mask, gt: Mask, id = `image-${this.rows.length + 1}`): ImageScoreRow {
    return this.addCounts(confusionCounts(pred, gt), id);
  }

  /** Scores one image from its confusion counts (for resumed runs that stored counts, not masks). */
  addCounts(counts: ConfusionCounts, id = `image-${this.rows.length + 1}`): ImageScoreRow {
    const options = { emptyGroundTruth: this.rule };
    const row: ImageScoreRow = {
      id, ...counts,
      iou: iouFromCounts(counts, options),
      dice: diceFromCounts(counts, options),
      meanIouTwoClass: meanIouTwoClass(counts),
      gtPixels: counts.tp + counts.fn,
      predPixels: counts.tp + counts.fp,
    };
    this.rows.push(row);
    return row;
  }

  get count(): number {
    return this.rows.length;
  }

  result(): MetricsSummary {
    const scored = this.rows.filter((row) => !Number.isNaN(row.iou));
    const pooled = sumCounts(this.rows);
    const options = { emptyGroundTruth: this.rule };
    return {
      images: this.rows.length,
      scored: scored.length,
      meanIou: mean(scored.map((row) => row.iou)),
      meanDice: mean(scored.map((row) => row.dice)),
      pooledIou: this.rows.length === 0 ? Number.NaN : iouFromCounts(pooled, options),
      pooledDice: this.rows.length === 0 ? Number.NaN : diceFromCounts(pooled, options),
      meanIouTwoClass: mean(this.rows.map((row) => row.meanIouTwoClass)),
      pooledMeanIouTwoClass: this.rows.length === 0 ? Number.NaN : meanIouTwoClass(pooled),
      meanPredictedFraction: mean(this.rows.map((row) => row.predPixels / pixelsOf(row))),
      meanTrueFraction: mean(this.rows.map((row) => row.gtPixels / pixelsOf(row))),
      intervals: this.bootstrap(scored),
      rows: [...this.rows],
    };
  }

  private bootstrap(scored: readonly ImageScoreRow[]): MetricsSummary['intervals'] {
    const columns = [scored.map((row) => row.iou), scored.map((row) => row.dice)];
    const intervals = bootstrapMeanIntervals(columns, { resamples: this.resamples, confidence: this.confidence, seed: this.seed });
    if (!intervals) return null;
    return { level: this.confidence, resamples: this.resamples, meanIou: intervals[0]!, meanDice: intervals[1]! };
  }
}

function pixelsOf(counts: ConfusionCounts): number {
  return counts.tp + counts.fp + counts.fn + counts.tn;
}

function mean(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  return values.reduce((a, b) => a + b, 0) / values.length;
}

export { percentile } from './bootstrap.js';
