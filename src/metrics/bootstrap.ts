/**
 * Percentile bootstrap of means over images (B. Efron & R. Tibshirani, An Introduction to the Bootstrap,
 * 1993, ch. 13): one draw with replacement per resample, shared by every column, so paired scores (IoU and
 * Dice of the same images, AUC and pointing of the same maps) come from the same resampled images.
 */
import { createRng, ensureInteger, ensureNumber } from '../core/index.js';

export interface Interval {
  readonly low: number;
  readonly high: number;
}

export interface BootstrapOptions {
  /** Resamples; 0 gives no intervals. */
  readonly resamples: number;
  /** Two-sided level of the percentile intervals, e.g. 0.95. */
  readonly confidence: number;
  readonly seed: number;
}

/**
 * Intervals of the mean of each column (all columns have the same length: one value per image); null when
 * resampling is off or there are no values.
 * @example bootstrapMeanIntervals([[0.2, 0.4, 0.9]], { resamples: 1000, confidence: 0.95, seed: 0 })[0] // { low, high }
 */
export function bootstrapMeanIntervals(columns: readonly ArrayLike<number>[], options: BootstrapOptions): Interval[] | null {
  const resamples = ensureInteger(options.resamples, 'the bootstrap resamples', { min: 0 });
  const confidence = ensureNumber(options.confidence, 'the bootstrap confidence', { min: 0, max: 1 });
  const n = columns[0]?.length ?? 0;
  for (const column of columns) ensureInteger(column.length, 'the length of every bootstrap column', { min: n, max: n });
  if (resamples === 0 || n === 0) return null;
  const rng = createRng(options.seed);
  const means = columns.map(() => new Float64Array(resamples));
  const sums = new Float64Array(columns.length);
  for (let b = 0; b < resamples; b++) {
    sums.fill(0);
    for (let i = 0; i < n; i++) {
      const pick = rng.int(n);
      for (let c = 0; c < columns.length; c++) sums[c] = sums[c]! + columns[c]![pick]!;
    }
    for (let c = 0; c < columns.length; c++) means[c]![b] = sums[c]! / n;
  }
  const tail = (1 - confidence) / 2;
  return means.map((values) => ({ low: percentile(values, tail), high: percentile(values, 1 - tail) }));
}

/** Percentile with linear interpolation between order statistics (numpy's default 'linear' method). */
export function percentile(values: ArrayLike<number>, fraction: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = Float64Array.from(values).sort();
  const position = fraction * (sorted.length - 1);
  const below = Math.floor(position);
  const above = Math.min(below + 1, sorted.length - 1);
  return sorted[below]! + (position - below) * (sorted[above]! - sorted[below]!);
}

/** Mean of the finite values only (NaN marks a skipped image); NaN when none is finite. */
export function meanOfFinite(values: readonly number[]): number {
  let sum = 0;
  let count = 0;
  for (const value of values) {
    if (!Number.isFinite(value)) continue;
    sum += value;
    count++;
  }
  return count === 0 ? Number.NaN : sum / count;
}
