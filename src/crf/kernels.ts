/**
 * Gaussian edge-potential kernels of a fully connected CRF (Kraehenbuehl & Koltun 2011, Eq. 3):
 * the smoothness kernel over positions and the appearance (bilateral) kernel over positions and
 * colours, each with the normalisation pydensecrf applies (default NORMALIZE_SYMMETRIC).
 * Two back ends share one interface: the permutohedral lattice (fast, approximate) and an exact
 * O(N^2) sum kept as the oracle for tests and for images of a few hundred pixels.
 */
import { ensure, ensureImage, ensureInteger, ensureNumber, ensureOneOf, type ImageTensor } from '../core/index.js';
import { buildPermutohedralLattice } from './permutohedral.js';

/**
 * How a kernel's rows are normalised, with D = K 1 (pydensecrf's NormalizationType):
 * `symmetric` D^-1/2 K D^-1/2 (pydensecrf's default), `before` K D^-1, `after` D^-1 K,
 * `none` K scaled by N / sum(D) so its mean row sum is one.
 */
export type KernelNormalization = 'symmetric' | 'before' | 'after' | 'none';
export const KERNEL_NORMALIZATIONS: readonly KernelNormalization[] = ['symmetric', 'before', 'after', 'none'];

/** A normalised Gaussian filter over N points, applied to planar channels x N values. */
export interface PairwiseKernel {
  readonly size: number;
  /** The normalised kernel applied to the all-ones vector (lets mean field skip one label, see there). */
  readonly filteredOnes: Float32Array;
  apply(input: Float32Array, channels: number, output?: Float32Array): Float32Array;
}

/** Features are point-major (N x dimensions), already divided by their standard deviations. */
export interface KernelFeatures {
  readonly data: Float32Array;
  readonly dimensions: number;
}

export type KernelBackend = 'lattice' | 'exact';

/** Smoothness features (col / sxy, row / sxy), as pydensecrf's addPairwiseGaussian. */
export function gaussianFeatures(rows: number, cols: number, sxy: number): KernelFeatures {
  ensureInteger(rows, 'the number of rows', { min: 1 });
  ensureInteger(cols, 'the number of cols', { min: 1 });
  ensureNumber(sxy, 'the Gaussian kernel sxy', { min: Number.MIN_VALUE });
  const data = new Float32Array(rows * cols * 2);
  for (let row = 0; row < rows; row++) {
    for (let col = 0; col < cols; col++) {
      const at = (row * cols + col) * 2;
      data[at] = col / sxy;
      data[at + 1] = row / sxy;
    }
  }
  return { data, dimensions: 2 };
}

/**
 * Appearance features (col / sxy, row / sxy, c_1 / srgb, ..., c_C / srgb), as pydensecrf's
 * addPairwiseBilateral. Channel values are multiplied by `intensityScale` first (255 for an image
 * in [0, 1]) so that srgb means what it means for 8-bit images in pydensecrf.
 */
export function bilateralFeatures(image: ImageTensor, options: { sxy: number; srgb: number; intensityScale?: number }): KernelFeatures {
  ensureImage(image);
  const sxy = ensureNumber(options.sxy, 'the bilateral kernel sxy', { min: Number.MIN_VALUE });
  const srgb = ensureNumber(options.srgb, 'the bilateral kernel srgb', { min: Number.MIN_VALUE });
  const intensityScale = ensureNumber(options.intensityScale ?? 255, 'the image intensity scale', { min: Number.MIN_VALUE });
  const { rows, cols, channels } = image;
  const dimensions = 2 + channels;
  const pixels = rows * cols;
  const data = new Float32Array(pixels * dimensions);
  for (let pixel = 0; pixel < pixels; pixel++) {
    const at = pixel * dimensions;
    data[at] = (pixel % cols) / sxy;
    data[at + 1] = Math.floor(pixel / cols) / sxy;
    for (let c = 0; c < channels; c++) data[at + 2 + c] = (image.data[c * pixels + pixel]! * intensityScale) / srgb;
  }
  return { data, dimensions };
}

/** Builds a kernel once (lattice or exact) so that mean-field iterations only filter. */
export function createKernel(features: KernelFeatures, options: { normalization?: KernelNormalization; backend?: KernelBackend } = {}): PairwiseKernel {
  const normalization = ensureOneOf(options.normalization ?? 'symmetric', 'the kernel normalization', KERNEL_NORMALIZATIONS);
  const backend = ensureOneOf(options.backend ?? 'lattice', 'the kernel backend', ['lattice', 'exact'] as const);
  const raw = backend === 'lattice' ? latticeFilter(features) : exactFilter(features);
  return normalizedKernel(raw, features.data.length / features.dimensions, normalization);
}

type RawFilter = (input: Float32Array, channels: number, output: Float32Array) => void;

function latticeFilter(features: KernelFeatures): RawFilter {
  const lattice = buildPermutohedralLattice(features.data, features.dimensions);
  return (input, channels, output) => {
    lattice.filter(input, channels, output);
  };
}

/** Exact sum_j exp(-|f_i - f_j|^2 / 2) v_j including j = i, like the lattice; O(N^2) per channel. */
function exactFilter(features: KernelFeatures): RawFilter {
  const { data, dimensions } = features;
  ensureInteger(dimensions, 'the kernel feature dimension', { min: 1 });
  ensure(data.length % dimensions === 0 && data.length > 0, `a non-empty multiple of ${dimensions} values`, 'the kernel features', data.length);
  const size = data.length / dimensions;
  ensure(size <= 4096, 'at most 4096 points for the exact (O(N^2)) kernel', 'the kernel features', size);
  const weights = new Float64Array(size * size);
  for (let i = 0; i < size; i++) {
    for (let j = 0; j < size; j++) {
      let squared = 0;
      for (let k = 0; k < dimensions; k++) squared += (data[i * dimensions + k]! - data[j * dimensions + k]!) ** 2;
      weights[i * size + j] = Math.exp(-squared / 2);
    }
  }
  return (input, channels, output) => {
    for (let c = 0; c < channels; c++) {
      for (let i = 0; i < size; i++) {
        let sum = 0;
        for (let j = 0; j < size; j++) sum += weights[i * size + j]! * input[c * size + j]!;
        output[c * size + i] = sum;
      }
    }
  };
}

/** Wraps a raw filter with pydensecrf's normalisation; the row sums D come from filtering ones. */
function normalizedKernel(raw: RawFilter, size: number, normalization: KernelNormalization): PairwiseKernel {
  const rowSums = new Float32Array(size);
  raw(new Float32Array(size).fill(1), 1, rowSums);
  const norm = normalizationFactors(rowSums, normalization);
  const scaleBefore = normalization === 'symmetric' || normalization === 'before';
  const scaleAfter = normalization !== 'before';
  let scratch = new Float32Array(0);
  const kernel = {
    size,
    filteredOnes: new Float32Array(0) as Float32Array,
    apply(input: Float32Array, channels: number, output?: Float32Array): Float32Array {
      ensureInteger(channels, 'the number of value channels', { min: 1 });
      ensure(input.length === channels * size, `${channels * size} values (channels x points)`, 'the kernel input', input);
      const result = output ?? new Float32Array(channels * size);
      if (scratch.length !== input.length) scratch = new Float32Array(input.length);
      const source = scaleBefore ? scaleRows(input, norm, scratch) : input;
      raw(source, channels, result);
      if (scaleAfter) scaleRows(result, norm, result);
      return result;
    },
  };
  kernel.filteredOnes = kernel.apply(new Float32Array(size).fill(1), 1);
  return kernel;
}

function normalizationFactors(rowSums: Float32Array, normalization: KernelNormalization): Float32Array {
  const size = rowSums.length;
  const norm = new Float32Array(size);
  if (normalization === 'none') {
    let total = 0;
    for (let i = 0; i < size; i++) total += rowSums[i]!;
    return norm.fill(size / total);
  }
  // The 1e-20 guards a point with no mass (cannot happen with self-weight, kept as pydensecrf does).
  for (let i = 0; i < size; i++) {
    norm[i] = normalization === 'symmetric' ? 1 / Math.sqrt(rowSums[i]! + 1e-20) : 1 / (rowSums[i]! + 1e-20);
  }
  return norm;
}

/** output[c, i] = values[c, i] * norm[i]; safe in place. */
function scaleRows(values: Float32Array, norm: Float32Array, output: Float32Array): Float32Array {
  const size = norm.length;
  for (let at = 0; at < values.length; at++) output[at] = values[at]! * norm[at % size]!;
  return output;
}
