/**
 * From a (C, rows, cols) attribution to a 2-D relevance map in [0, 1], following Captum's image
 * visualiser (captum.attr.visualization: `_normalize_attr`, `_cumulative_sum_threshold`,
 * `_normalize_scale`): sum over channels, keep |.| or the positive part, divide by the value where
 * the sorted cumulative sum reaches 98 % of the total, clip to [0, 1].
 */
import { createScalarMap, ensureImage, ensureInteger, ensureMap, ensureNumber, ensureOneOf, resizeMapBilinear, type ImageTensor, type ScalarMap } from '../core/index.js';
import { gaussianBlurPlane } from './gaussian-blur.js';

export const RELEVANCE_SIGNS = ['absolute', 'positive'] as const;
export type RelevanceSign = (typeof RELEVANCE_SIGNS)[number];

/** Sum over channels, then |.| ('absolute', Captum's absolute_value) or max(0, .) ('positive'). */
export function reduceChannels(attribution: ImageTensor, sign: RelevanceSign = 'absolute'): ScalarMap {
  ensureImage(attribution, 'the attribution');
  ensureOneOf(sign, 'the relevance sign', RELEVANCE_SIGNS);
  const plane = attribution.rows * attribution.cols;
  const out = createScalarMap(attribution.rows, attribution.cols);
  for (let i = 0; i < plane; i++) {
    let sum = 0;
    for (let c = 0; c < attribution.channels; c++) sum += attribution.data[c * plane + i]!;
    out.data[i] = sign === 'absolute' ? Math.abs(sum) : Math.max(0, sum);
  }
  return out;
}

/**
 * Captum's `_cumulative_sum_threshold`: sort the values ascending, take cumulative sums, and return
 * the first sorted value whose cumulative sum reaches `percentile` % of the total.
 * @example cumulativeSumThreshold(Float32Array.of(1, 2, 3, 4), 50) // 3 (cumsum 1, 3, 6, 10; 6 >= 5)
 */
export function cumulativeSumThreshold(values: Float32Array, percentile = 98): number {
  ensureNumber(percentile, 'the cumulative-sum percentile', { min: 0, max: 100 });
  if (values.length === 0) return 0;
  const sorted = Float64Array.from(values).sort();
  const cumulative = new Float64Array(sorted.length);
  let running = 0;
  for (let i = 0; i < sorted.length; i++) cumulative[i] = running += sorted[i]!;
  const goal = running * 0.01 * percentile;
  for (let i = 0; i < sorted.length; i++) if (cumulative[i]! >= goal) return sorted[i]!;
  return sorted[sorted.length - 1]!;
}

/**
 * Divide a nonnegative map by its cumulative-sum threshold and clip to [0, 1] (Captum's
 * `_normalize_scale`). Captum asserts on a zero scale; a map of zeros stays zeros here instead.
 */
export function normalizeByCumulativeSum(map: ScalarMap, percentile = 98): ScalarMap {
  ensureMap(map, 'the relevance map');
  const threshold = cumulativeSumThreshold(map.data, percentile);
  const out = createScalarMap(map.rows, map.cols);
  if (!(threshold > 0)) return out;
  for (let i = 0; i < out.data.length; i++) out.data[i] = Math.min(1, Math.max(0, map.data[i]! / threshold));
  return out;
}

/** Separable Gaussian smoothing of a map, sigma in pixels (scipy.ndimage.gaussian_filter, reflect). */
export function smoothMap(map: ScalarMap, sigma: number): ScalarMap {
  ensureMap(map, 'the map to smooth');
  return createScalarMap(map.rows, map.cols, gaussianBlurPlane(map.data, map.rows, map.cols, sigma));
}

export interface RelevanceMapOptions {
  /** 'absolute' (default) or 'positive'. */
  readonly sign?: RelevanceSign;
  /** Cumulative-sum percentile for the scale (default 98, Captum's 100 - outlier_perc 2). */
  readonly percentile?: number;
  /** Gaussian smoothing after normalisation, in attribution pixels (default 0: none). */
  readonly smoothingSigma?: number;
  /** Resize to the original image (bilinear) when it differs from the attribution's size. */
  readonly outputSize?: { readonly rows: number; readonly cols: number };
}

/**
 * The relevance map of paper section 3.3: reduce channels, normalise to [0, 1], optionally smooth,
 * resize to the original image. Smoothing comes after normalising so the percentile scale is that of
 * the raw attribution.
 */
export function relevanceMap(attribution: ImageTensor, options: RelevanceMapOptions = {}): ScalarMap {
  let map = normalizeByCumulativeSum(reduceChannels(attribution, options.sign), options.percentile);
  const sigma = options.smoothingSigma ?? 0;
  if (sigma > 0) map = smoothMap(map, sigma);
  const size = options.outputSize;
  if (size === undefined || (size.rows === map.rows && size.cols === map.cols)) return map;
  ensureInteger(size.rows, 'the relevance output rows', { min: 1 });
  ensureInteger(size.cols, 'the relevance output cols', { min: 1 });
  return resizeMapBilinear(map, size.rows, size.cols);
}
