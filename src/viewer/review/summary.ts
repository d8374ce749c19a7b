/**
 * The numbers of the summary panel and the report: per run, mean IoU / Dice over scored images with
 * percentile bootstrap intervals and pooled scores (SegmentationMetrics from src/metrics, fed the
 * per-image confusion counts), and a histogram of per-image Dice over [0, 1].
 */
import { ensureInteger } from '../../core/index.js';
import { SegmentationMetrics, type ConfusionCounts } from '../../metrics/index.js';

export interface Histogram {
  /** bins + 1 edges from 0 to 1. */
  readonly edges: readonly number[];
  readonly counts: readonly number[];
}

export interface RunMetrics {
  readonly run: number;
  readonly name: string;
  /** Images listed, and images with ground truth (scored). */
  readonly images: number;
  readonly scored: number;
  readonly meanIou: number | null;
  readonly meanDice: number | null;
  readonly iouCi: readonly [number, number] | null;
  readonly diceCi: readonly [number, number] | null;
  readonly pooledIou: number | null;
  readonly pooledDice: number | null;
  /** Scored images with an accepted correction, and mean Dice when corrections replace the run's masks. */
  readonly corrected: number;
  readonly meanDiceCorrected: number | null;
  readonly histogram: Histogram;
}

/**
 * Counts of values in `bins` equal bins over [0, 1]; the last bin includes 1. Non-finite values are left out.
 *
 * @example diceHistogram([0, 0.5, 1], 2).counts // [1, 2]
 */
export function diceHistogram(values: readonly number[], bins = 10): Histogram {
  ensureInteger(bins, 'the histogram bins', { min: 1, max: 1000 });
  const counts = new Array<number>(bins).fill(0);
  for (const value of values) {
    if (!Number.isFinite(value)) continue;
    const bin = Math.min(bins - 1, Math.max(0, Math.floor(value * bins)));
    counts[bin]! += 1;
  }
  return { edges: Array.from({ length: bins + 1 }, (_v, k) => k / bins), counts };
}

/** One image of a run as the summary needs it: counts against ground truth, when there is ground truth. */
export interface ScoredEntry {
  readonly id: string;
  readonly counts?: ConfusionCounts;
  /** Counts of the accepted correction, when there is one. */
  readonly correctedCounts?: ConfusionCounts;
}

const finite = (value: number): number | null => (Number.isFinite(value) ? value : null);

/** The metrics row of one run (seeded bootstrap, so the same scores always give the same intervals). */
export function runMetrics(run: { index: number; name: string }, entries: readonly ScoredEntry[], options: { resamples?: number } = {}): RunMetrics {
  const resamples = options.resamples ?? 1000;
  const own = new SegmentationMetrics({ seed: 0, bootstrapResamples: resamples });
  const withCorrections = new SegmentationMetrics({ seed: 0, bootstrapResamples: 0 });
  for (const entry of entries) {
    if (!entry.counts) continue;
    own.addCounts(entry.counts, entry.id);
    withCorrections.addCounts(entry.correctedCounts ?? entry.counts, entry.id);
  }
  const summary = own.result();
  const ci = summary.intervals;
  return {
    run: run.index,
    name: run.name,
    images: entries.length,
    scored: summary.scored,
    meanIou: finite(summary.meanIou),
    meanDice: finite(summary.meanDice),
    iouCi: ci ? [ci.meanIou.low, ci.meanIou.high] : null,
    diceCi: ci ? [ci.meanDice.low, ci.meanDice.high] : null,
    pooledIou: finite(summary.pooledIou),
    pooledDice: finite(summary.pooledDice),
    corrected: entries.filter((e) => e.counts && e.correctedCounts).length,
    meanDiceCorrected: finite(withCorrections.result().meanDice),
    histogram: diceHistogram(summary.rows.map((row) => row.dice)),
  };
}
