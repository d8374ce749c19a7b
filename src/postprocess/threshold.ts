import { createMask, ensureMap, ensureNumber, type Mask, type ScalarMap } from '../core/index.js';
import { finiteRange, histogramUniform } from './histogram.js';

/**
 * Otsu's threshold with scikit-image's definition (`filters.threshold_otsu`): a `bins`-bin histogram over
 * the map's [min, max], the between-class variance evaluated at every split, and the centre of the bin
 * that maximises it (the first on ties). Foreground is `map > threshold`. A constant map returns its value.
 * Reference: N. Otsu, "A threshold selection method from gray-level histograms", IEEE TSMC 9(1), 1979.
 *
 * @example const t = thresholdOtsu(relevance); const mask = binarizeAtValue(relevance, t);
 */
export function thresholdOtsu(map: ScalarMap, options: { bins?: number } = {}): number {
  ensureMap(map);
  const { min, max } = finiteRange(map.data, 'the map to threshold');
  if (min === max) return map.data[0]!;
  const { counts, centers } = histogramUniform(map.data, options.bins ?? 256);
  return centers[argmaxBetweenClassVariance(counts, centers)]!;
}

/** Index i maximising w1(<=i) w2(>i) (mu1 - mu2)^2, evaluated exactly as scikit-image does (float64 sums). */
function argmaxBetweenClassVariance(counts: Float64Array, centers: Float64Array): number {
  const n = counts.length;
  const weightAbove = new Float64Array(n);
  const meanAbove = new Float64Array(n);
  let weight = 0;
  let moment = 0;
  for (let i = n - 1; i >= 0; i--) {
    weight += counts[i]!;
    moment += counts[i]! * centers[i]!;
    weightAbove[i] = weight;
    meanAbove[i] = moment / weight;
  }
  let best = 0;
  let bestVariance = -Infinity;
  let weightBelow = 0;
  let momentBelow = 0;
  for (let i = 0; i < n - 1; i++) {
    weightBelow += counts[i]!;
    momentBelow += counts[i]! * centers[i]!;
    const gap = momentBelow / weightBelow - meanAbove[i + 1]!;
    const variance = weightBelow * weightAbove[i + 1]! * gap * gap;
    // Both end bins hold the min and max, so neither side is ever empty and no NaN arises.
    if (variance > bestVariance) {
      bestVariance = variance;
      best = i;
    }
  }
  return best;
}

/** Foreground where `map > value` (strictly greater, as with an Otsu threshold). */
export function binarizeAtValue(map: ScalarMap, value: number): Mask {
  ensureMap(map);
  ensureNumber(value, 'the binarisation threshold');
  const mask = createMask(map.rows, map.cols);
  for (let i = 0; i < map.data.length; i++) mask.data[i] = map.data[i]! > value ? 1 : 0;
  return mask;
}

/** Foreground where the map exceeds its own mean; returns the mask and the mean used. */
export function binarizeAtMean(map: ScalarMap): { mask: Mask; threshold: number } {
  ensureMap(map);
  const { min } = finiteRange(map.data, 'the map to binarise');
  let sum = 0;
  for (let i = 0; i < map.data.length; i++) sum += map.data[i]! - min;
  const threshold = min + sum / map.data.length;
  return { mask: binarizeAtValue(map, threshold), threshold };
}
