import { createScalarMap, ensureInteger, ensureMap, invalid, type ScalarMap } from '../core/index.js';

/** A uniform-bin histogram over [first, last] with numpy's binning rules. */
export interface UniformHistogram {
  readonly counts: Float64Array;
  readonly edges: Float64Array;
  readonly centers: Float64Array;
}

/** Minimum and maximum of finite data; throws InvalidArgumentError on NaN or infinity. */
export function finiteRange(values: ArrayLike<number>, what: string): { min: number; max: number } {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) throw invalid('finite values', what, v);
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return { min, max };
}

/**
 * `numpy.histogram(values, bins, range=(min, max))` reproduced bit for bit in float64: edges from
 * `linspace`, the index from `(v - first) * bins / (last - first)` and numpy's one-ULP correction,
 * so thresholds agree exactly with scikit-image, which builds on it. A constant input gets the
 * range [v - 0.5, v + 0.5] as in numpy.
 */
export function histogramUniform(values: ArrayLike<number>, bins: number, what = 'the histogram input'): UniformHistogram {
  ensureInteger(bins, 'the number of histogram bins', { min: 1 });
  let { min: first, max: last } = finiteRange(values, what);
  if (values.length === 0) [first, last] = [0, 1];
  if (first === last) [first, last] = [first - 0.5, last + 0.5];
  const edges = new Float64Array(bins + 1);
  const step = (last - first) / bins;
  for (let i = 0; i < bins; i++) edges[i] = i * step + first;
  edges[bins] = last;
  const counts = new Float64Array(bins);
  for (let i = 0; i < values.length; i++) counts[binIndex(values[i]!, edges, bins)]! += 1;
  const centers = new Float64Array(bins);
  for (let i = 0; i < bins; i++) centers[i] = (edges[i]! + edges[i + 1]!) / 2;
  return { counts, edges, centers };
}

/** numpy's uniform-bin index for a value inside [edges[0], edges[bins]]. */
function binIndex(value: number, edges: Float64Array, bins: number): number {
  const first = edges[0]!;
  const norm = bins / (edges[bins]! - first);
  let index = Math.trunc((value - first) * norm);
  if (index === bins) index -= 1;
  if (value < edges[index]!) index -= 1;
  else if (index !== bins - 1 && value >= edges[index + 1]!) index += 1;
  return index;
}

/**
 * Global histogram equalisation with scikit-image's `exposure.equalize_hist` semantics: a `bins`-bin
 * histogram over the map's own [min, max], its normalised cumulative sum, and each value mapped by
 * linear interpolation of that CDF at the bin centres (`np.interp`, clamped at both ends).
 * Output lies in (0, 1]. Reference: Gonzalez & Woods, Digital Image Processing, ch. 3.3.
 *
 * @example equalizeHistogram(relevance).data // values spread evenly over (0, 1]
 */
export function equalizeHistogram(map: ScalarMap, options: { bins?: number } = {}): ScalarMap {
  ensureMap(map);
  const { counts, centers } = histogramUniform(map.data, options.bins ?? 256, 'the map to equalise');
  const cdf = cumulativeFraction(counts);
  const out = createScalarMap(map.rows, map.cols);
  for (let i = 0; i < map.data.length; i++) out.data[i] = interpolateSorted(map.data[i]!, centers, cdf);
  return out;
}

function cumulativeFraction(counts: Float64Array): Float64Array {
  const cdf = new Float64Array(counts.length);
  let total = 0;
  for (let i = 0; i < counts.length; i++) cdf[i] = total += counts[i]!;
  for (let i = 0; i < counts.length; i++) cdf[i] = cdf[i]! / total;
  return cdf;
}

/** `np.interp(x, xs, ys)` for uniformly spaced, increasing `xs` (a direct index guess, then a fix-up). */
function interpolateSorted(x: number, xs: Float64Array, ys: Float64Array): number {
  const n = xs.length;
  if (x <= xs[0]!) return ys[0]!;
  if (x >= xs[n - 1]!) return ys[n - 1]!;
  let j = Math.min(Math.max(Math.floor(((x - xs[0]!) / (xs[n - 1]! - xs[0]!)) * (n - 1)), 0), n - 2);
  while (j > 0 && x < xs[j]!) j--;
  while (j < n - 2 && x >= xs[j + 1]!) j++;
  const slope = (ys[j + 1]! - ys[j]!) / (xs[j + 1]! - xs[j]!);
  return slope * (x - xs[j]!) + ys[j]!;
}
