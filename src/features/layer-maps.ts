/**
 * MICRA-Net's segmentation from per-layer Grad-CAM maps (Bilodeau et al. 2022, gradCAM.segment_cam and
 * utils.get_foreground), from plain maps so this stage needs no model. For one image and one class, with
 * the maps of the L conv layers (the last one deepest):
 *   1. foreground: 8x8 block means of the image above their median;
 *   2. t = the pixels' scores on the first principal component of the first L - 1 maps (all pixels);
 *   3. t min-max normalised over the pixels in the foreground where the last map is positive, and turned
 *      into 1 - t when the mean of t weighted by the last map is negative (the component's sign is arbitrary);
 *   4. Gaussian smoothing, sigma 1 (skimage's filters.gaussian: mode 'nearest', truncated at 4 sigma);
 *   5. mask = the pixels above the 0.8 quantile (numpy's linear interpolation).
 * When no pixel passes step 3's selection the original skips the class: `segmentLayerMaps` returns undefined.
 */
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import { createMask, createScalarMap, ensure, ensureInteger, ensureNumber, type Mask, type ScalarMap } from '../core/index.js';

/**
 * utils.get_foreground: means of block x block tiles, the tiles above the median of those means, repeated
 * back to the pixels. rows and cols must be multiples of the block.
 */
export function blockMeanForeground(plane: ScalarMap, block = 8): Mask {
  ensureInteger(block, 'the foreground block', { min: 1 });
  ensure(plane.rows % block === 0 && plane.cols % block === 0, `sides that are multiples of ${block}`, 'the foreground plane', `${plane.rows}x${plane.cols}`);
  const [tileRows, tileCols] = [plane.rows / block, plane.cols / block];
  const means = new Float64Array(tileRows * tileCols);
  for (let y = 0; y < plane.rows; y++) {
    for (let x = 0; x < plane.cols; x++) {
      const tile = Math.floor(y / block) * tileCols + Math.floor(x / block);
      means[tile] = means[tile]! + plane.data[y * plane.cols + x]! / (block * block);
    }
  }
  const median = quantileLinear(means, 0.5);
  const mask = createMask(plane.rows, plane.cols);
  for (let y = 0; y < plane.rows; y++) {
    for (let x = 0; x < plane.cols; x++) mask.data[y * plane.cols + x] = means[Math.floor(y / block) * tileCols + Math.floor(x / block)]! > median ? 1 : 0;
  }
  return mask;
}

/** numpy.quantile with its default linear interpolation between the two nearest ranks. */
export function quantileLinear(values: ArrayLike<number>, q: number): number {
  ensureNumber(q, 'the quantile', { min: 0, max: 1 });
  ensure(values.length > 0, 'at least one value', 'the quantile', values);
  const sorted = Float64Array.from(values).sort();
  const position = q * (sorted.length - 1);
  const below = Math.floor(position);
  const above = Math.min(below + 1, sorted.length - 1);
  return sorted[below]! + (position - below) * (sorted[above]! - sorted[below]!);
}

/**
 * Scores of every pixel on the first principal component of the maps (one feature per map, centred over
 * the pixels): (x - mean) . v with v the covariance's top eigenvector (exact, ml-matrix). The sign is
 * arbitrary. Constant maps give zeros.
 */
export function principalComponentScores(maps: readonly ScalarMap[]): Float64Array {
  ensure(maps.length > 0, 'at least one map', 'the principal component', maps);
  const count = maps[0]!.data.length;
  ensure(maps.every((m) => m.data.length === count), `maps of ${count} pixels each`, 'the principal component', maps.map((m) => m.data.length));
  const means = maps.map((m) => m.data.reduce((a, b) => a + b, 0) / count);
  const dim = maps.length;
  const covariance = Matrix.zeros(dim, dim);
  for (let i = 0; i < dim; i++) {
    for (let j = i; j < dim; j++) {
      let sum = 0;
      for (let p = 0; p < count; p++) sum += (maps[i]!.data[p]! - means[i]!) * (maps[j]!.data[p]! - means[j]!);
      covariance.set(i, j, sum / count);
      covariance.set(j, i, sum / count);
    }
  }
  const decomposition = new EigenvalueDecomposition(covariance, { assumeSymmetric: true });
  const top = decomposition.realEigenvalues.reduce((best, value, k, all) => (value > all[best]! ? k : best), 0);
  const vector = decomposition.eigenvectorMatrix.getColumn(top);
  const scores = new Float64Array(count);
  for (let p = 0; p < count; p++) {
    let sum = 0;
    for (let d = 0; d < dim; d++) sum += (maps[d]!.data[p]! - means[d]!) * vector[d]!;
    scores[p] = sum;
  }
  return scores;
}

/**
 * Step 3: min-max normalise `scores` over the selected pixels, then use 1 - t when the mean of the scores
 * weighted by `weights` (the last layer's map) is negative. Undefined when nothing is selected, the
 * selected scores are all equal or the weights sum to zero.
 */
export function orientScores(scores: Float64Array, weights: ScalarMap, selected: Uint8Array): Float64Array | undefined {
  ensure(weights.data.length === scores.length && selected.length === scores.length, `${scores.length} values`, 'the orientation weights and selection', weights.data.length);
  let [weighted, total, min, max] = [0, 0, Infinity, -Infinity];
  for (let p = 0; p < scores.length; p++) {
    weighted += scores[p]! * weights.data[p]!;
    total += weights.data[p]!;
    if (selected[p]) [min, max] = [Math.min(min, scores[p]!), Math.max(max, scores[p]!)];
  }
  // The original divides by max - min unguarded (NaN, then an empty mask); one selected value is skipped here.
  if (min === Infinity || max === min || total === 0) return undefined;
  const flip = weighted / total < 0;
  return scores.map((s) => {
    const t = (s - min) / (max - min);
    return flip ? 1 - t : t;
  });
}

/** skimage.filters.gaussian(sigma): separable, edges repeated (mode 'nearest'), radius round(4 sigma). */
export function gaussianSmoothNearest(map: ScalarMap, sigma: number): ScalarMap {
  return createScalarMap(map.rows, map.cols, Float32Array.from(smoothNearest(Float64Array.from(map.data), map.rows, map.cols, sigma)));
}

function smoothNearest(values: Float64Array, rows: number, cols: number, sigma: number): Float64Array {
  ensureNumber(sigma, 'the Gaussian sigma', { min: 0 });
  const radius = Math.floor(4 * sigma + 0.5);
  if (radius === 0) return values.slice();
  const weights = Array.from({ length: 2 * radius + 1 }, (_, k) => Math.exp(-0.5 * ((k - radius) / sigma) ** 2));
  const total = weights.reduce((a, b) => a + b, 0);
  const kernel = weights.map((w) => w / total);
  const pass = (source: Float64Array, alongRows: boolean): Float64Array => {
    const out = new Float64Array(source.length);
    for (let y = 0; y < rows; y++) {
      for (let x = 0; x < cols; x++) {
        let sum = 0;
        for (let k = -radius; k <= radius; k++) {
          const at = alongRows ? clampIndex(y + k, rows) * cols + x : y * cols + clampIndex(x + k, cols);
          sum += kernel[k + radius]! * source[at]!;
        }
        out[y * cols + x] = sum;
      }
    }
    return out;
  };
  return pass(pass(values, true), false);
}

function clampIndex(index: number, length: number): number {
  return index < 0 ? 0 : index >= length ? length - 1 : index;
}

export interface LayerMapSegmentationOptions {
  /** Default 0.8: the mask keeps the pixels above this quantile of the smoothed map. */
  readonly quantile?: number;
  /** Default 1. */
  readonly sigma?: number;
}

export interface LayerMapSegmentation {
  /** The smoothed, oriented component in [0, 1] (the original's raw_precise). */
  readonly map: ScalarMap;
  readonly mask: Mask;
}

/**
 * Steps 2-5 for one image and one class: `maps` are the per-layer Grad-CAM maps at the image size (the
 * last one deepest), `foreground` step 1's mask. Undefined when the class is skipped (see step 3).
 *
 * @example segmentLayerMaps(layerGradCams(layers, 256, 256), blockMeanForeground(gray))?.mask
 */
export function segmentLayerMaps(maps: readonly ScalarMap[], foreground: Mask, options: LayerMapSegmentationOptions = {}): LayerMapSegmentation | undefined {
  ensure(maps.length >= 2, 'at least two layer maps', 'the MICRA-Net segmentation', maps.length);
  const last = maps[maps.length - 1]!;
  ensure(maps.every((m) => m.rows === last.rows && m.cols === last.cols) && foreground.rows === last.rows && foreground.cols === last.cols,
    `maps and a foreground of ${last.rows}x${last.cols}`, 'the MICRA-Net segmentation', `${foreground.rows}x${foreground.cols}`);
  const selected = foreground.data.map((inside, p) => (inside && last.data[p]! > 0 ? 1 : 0));
  const oriented = orientScores(principalComponentScores(maps.slice(0, -1)), last, selected);
  if (!oriented) return undefined;
  const smooth = smoothNearest(oriented, last.rows, last.cols, options.sigma ?? 1);
  const threshold = quantileLinear(smooth, options.quantile ?? 0.8);
  const mask = createMask(last.rows, last.cols, Uint8Array.from(smooth, (v) => (v > threshold ? 1 : 0)));
  return { map: createScalarMap(last.rows, last.cols, Float32Array.from(smooth)), mask };
}
