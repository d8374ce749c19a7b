import { ensureInteger, ensureNumber, type Mask, type ScalarMap } from '../core/index.js';
import { bootstrapMeanIntervals, meanOfFinite, type Interval } from './bootstrap.js';
import { pointingGame, mapRocAuc } from './map-scores.js';

export interface MapScoreMetricsOptions {
  /** Bootstrap resamples for the intervals; 0 turns them off (default 1000). */
  bootstrapResamples?: number;
  /** Two-sided level of the percentile intervals (default 0.95). */
  confidence?: number;
  seed?: number;
}

/** One image's map scores; `auc` and `pointing` are NaN for an image the rules skip (empty or full mask). */
export interface MapScoreRow {
  readonly id: string;
  readonly auc: number;
  readonly pointing: number;
  /** Foreground fraction of the ground truth. */
  readonly gtFraction: number;
}

export interface MapScoreSummary {
  readonly images: number;
  /** Images with a defined AUC (mask neither empty nor full), which enter the AUC mean. */
  readonly scoredAuc: number;
  /** Images with a defined pointing score (non-empty mask). */
  readonly scoredPointing: number;
  readonly meanAuc: number;
  readonly meanPointing: number;
  /** Percentile bootstrap intervals over the scored images; null when resampling is off or nothing was scored. */
  readonly intervals: { readonly level: number; readonly resamples: number; readonly meanAuc: Interval; readonly meanPointing: Interval | null } | null;
  readonly rows: readonly MapScoreRow[];
}

/**
 * Accumulates per-image ROC AUC and pointing-game scores of one map source and reduces them: the mean over
 * images (each image weighs the same, whatever its lesion's size) with percentile bootstrap intervals over
 * images. Images whose score is undefined (rules in map-scores.ts) are kept as rows and left out of the means.
 *
 * @example const m = new MapScoreMetrics({ seed: 1 }); m.add(relevance, gt, 'cju0qkwl35piu0993l0dewei2'); m.result().meanAuc
 */
export class MapScoreMetrics {
  private readonly rows: MapScoreRow[] = [];
  private readonly resamples: number;
  private readonly confidence: number;
  private readonly seed: number;

  constructor(options: MapScoreMetricsOptions = {}) {
    this.resamples = ensureInteger(options.bootstrapResamples ?? 1000, 'bootstrapResamples', { min: 0 });
    this.confidence = ensureNumber(options.confidence ?? 0.95, 'confidence', { min: 0, max: 1 });
    this.seed = ensureInteger(options.seed ?? 0, 'seed', { min: 0, max: 2 ** 32 - 1 });
  }

  /** Scores one map (SizeMismatchError when map and mask differ in size) and returns its row. */
  add(map: ScalarMap, gt: Mask, id = `image-${this.rows.length + 1}`): MapScoreRow {
    let foreground = 0;
    for (let i = 0; i < gt.data.length; i++) if (gt.data[i] !== 0) foreground++;
    return this.addRow({ id, auc: mapRocAuc(map, gt), pointing: pointingGame(map, gt), gtFraction: foreground / gt.data.length });
  }

  /** Adds a row computed earlier (resumed runs store rows, not maps). */
  addRow(row: MapScoreRow): MapScoreRow {
    this.rows.push(row);
    return row;
  }

  get count(): number {
    return this.rows.length;
  }

  result(): MapScoreSummary {
    const withAuc = this.rows.filter((row) => Number.isFinite(row.auc));
    const withPointing = this.rows.filter((row) => Number.isFinite(row.pointing));
    return {
      images: this.rows.length,
      scoredAuc: withAuc.length,
      scoredPointing: withPointing.length,
      meanAuc: meanOfFinite(withAuc.map((row) => row.auc)),
      meanPointing: meanOfFinite(withPointing.map((row) => row.pointing)),
      intervals: this.bootstrap(withAuc, withPointing),
      rows: [...this.rows],
    };
  }

  /** Each score over the images where it is defined, from the same seed (the same draws when no mask is full). */
  private bootstrap(withAuc: readonly MapScoreRow[], withPointing: readonly MapScoreRow[]): MapScoreSummary['intervals'] {
    const options = { resamples: this.resamples, confidence: this.confidence, seed: this.seed };
    const auc = bootstrapMeanIntervals([withAuc.map((row) => row.auc)], options);
    if (!auc) return null;
    const pointing = bootstrapMeanIntervals([withPointing.map((row) => row.pointing)], options);
    return { level: this.confidence, resamples: this.resamples, meanAuc: auc[0]!, meanPointing: pointing?.[0] ?? null };
  }
}
