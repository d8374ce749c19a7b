/**
 * Dense-CRF refinement of a segmentation (paper Sec. 3.6): a soft foreground map or a hard mask
 * becomes the unary, the image supplies the smoothness and appearance kernels, and mean field
 * (Kraehenbuehl & Koltun 2011) gives the refined mask and its marginals.
 */
import {
  createMask, createProgressTracker, createScalarMap, ensure, ensureImage, ensureInteger, ensureNumber, ensureOneOf, ensureSameSize,
  type ImageTensor, type Mask, type ProgressCallback, type ScalarMap,
} from '../core/index.js';
import {
  KERNEL_NORMALIZATIONS, bilateralFeatures, createKernel, gaussianFeatures, type KernelBackend, type KernelNormalization,
} from './kernels.js';
import { inferMeanField, labelsFromMarginals, softmaxOverLabels, type MeanFieldIteration, type PairwiseTerm } from './mean-field.js';
import {
  ensureLabelFields, probabilitiesFromForeground, unaryFromLabels, unaryFromProbabilities, type LabelFields,
} from './unary.js';

export interface CrfConfig {
  readonly iterations: number;
  /** Smoothness kernel: positions only (pydensecrf addPairwiseGaussian sxy, compat). */
  readonly gaussian: { readonly sxy: number; readonly weight: number };
  /** Appearance kernel: positions and colours (pydensecrf addPairwiseBilateral sxy, srgb, compat). */
  readonly bilateral: { readonly sxy: number; readonly srgb: number; readonly weight: number };
  readonly normalization: KernelNormalization;
  /** Multiplies image values before srgb applies; 255 for images in [0, 1] (the data/ contract). */
  readonly intensityScale: number;
  /** Lower clip of probabilities before -log (pydensecrf unary_from_softmax's clip). */
  readonly clip: number;
  /** Confidence given to a hard mask's labels (pydensecrf unary_from_labels's gt_prob). */
  readonly gtProb: number;
  readonly backend: KernelBackend;
}

/** The settings most pydensecrf users copy (DeepLab-style): Gaussian 3/3, bilateral 80/13/10, 5 iterations. */
export const CRF_DEFAULTS: Readonly<CrfConfig> = Object.freeze({
  iterations: 5,
  gaussian: Object.freeze({ sxy: 3, weight: 3 }),
  bilateral: Object.freeze({ sxy: 80, srgb: 13, weight: 10 }),
  normalization: 'symmetric',
  intensityScale: 255,
  clip: 1e-5,
  gtProb: 0.7,
  backend: 'lattice',
});

/**
 * CutLER's MaskCut refinement (maskcut/crf.py): MAX_ITER 10, POS_W 7, POS_XY_STD 3, Bi_W 10,
 * Bi_XY_STD 50, Bi_RGB_STD 5. It turns the binary mask into logits [1 - m, m] and takes their
 * softmax, so each pixel's own label gets probability e / (1 + e) = 0.731; with two labels that is
 * exactly unary_from_labels with gtProb = 0.731. (CutLER first upsamples the patch-level mask
 * bilinearly; here the caller resamples to the image grid.)
 */
export const maskCutCrfPreset: Readonly<CrfOverrides> = Object.freeze({
  iterations: 10,
  gaussian: Object.freeze({ sxy: 3, weight: 7 }),
  bilateral: Object.freeze({ sxy: 50, srgb: 5, weight: 10 }),
  gtProb: 1 / (1 + Math.exp(-1)),
});

/** CrfConfig with every field optional, kernel fields included (a preset or user overrides). */
export type CrfOverrides = Partial<Omit<CrfConfig, 'gaussian' | 'bilateral'>> & {
  readonly gaussian?: Partial<CrfConfig['gaussian']>;
  readonly bilateral?: Partial<CrfConfig['bilateral']>;
};

export interface RefineCrfOptions extends CrfOverrides {
  readonly onIteration?: (event: MeanFieldIteration) => void;
  readonly onProgress?: ProgressCallback;
}

export interface CrfRefinement {
  readonly mask: Mask;
  /** Foreground marginal Q(1) per pixel after the last iteration. */
  readonly foreground: ScalarMap;
  /** All marginals, labels x rows x cols. */
  readonly marginals: LabelFields;
  /** Iterations actually run (0 after the early return for a constant input). */
  readonly iterations: number;
}

/**
 * Refines a foreground map (`ScalarMap` of probabilities in [0, 1]) or a binary `Mask` with a
 * two-label dense CRF over `image` (C x rows x cols, values in [0, 1] unless intensityScale says
 * otherwise). A constant input has no boundary to move and is returned after zero iterations.
 *
 * Example: `refineMaskCrf(image, noisyMask, maskCutCrfPreset).mask` snaps the mask to colour edges.
 */
export function refineMaskCrf(image: ImageTensor, input: ScalarMap | Mask, options: RefineCrfOptions = {}): CrfRefinement {
  ensureImage(image);
  const config = resolveCrfConfig(options);
  ensureSameSize(image, input, 'the CRF input map');
  const unary = input.data instanceof Uint8Array
    ? unaryFromLabels(binaryMask(input as Mask), 2, { gtProb: config.gtProb })
    : unaryFromProbabilities(probabilitiesFromForeground(input as ScalarMap), { clip: config.clip });
  if (isConstant(input.data)) return finish(unary, unaryMarginals(unary), 0);
  const { marginals, iterations } = refineLabelsCrf(image, unary, options);
  return finish(unary, marginals.data, iterations);
}

/**
 * The L-label form: mean field over any unary (labels x rows x cols, e.g. from unaryFromLabels
 * or unaryFromProbabilities) with the image's smoothness and appearance kernels. Returns the
 * label image (values 0..L-1 in a Mask-shaped grid) and the marginals.
 */
export function refineLabelsCrf(image: ImageTensor, unary: LabelFields, options: RefineCrfOptions = {}):
  { labels: Mask; marginals: LabelFields; iterations: number } {
  ensureImage(image);
  ensureLabelFields(unary, 'the unary energy');
  ensureSameSize(image, unary, 'the CRF unary energy');
  const config = resolveCrfConfig(options);
  const progress = createProgressTracker('crf', config.iterations, options.onProgress);
  const marginals = inferMeanField(unary, buildPairwiseTerms(image, config), {
    iterations: config.iterations,
    onIteration: (event) => {
      progress.set(event.iteration);
      options.onIteration?.(event);
    },
  });
  return {
    labels: createMask(unary.rows, unary.cols, labelsFromMarginals(marginals, unary.labels)),
    marginals: { data: marginals, labels: unary.labels, rows: unary.rows, cols: unary.cols },
    iterations: config.iterations,
  };
}

/** Merges options over CRF_DEFAULTS (nested kernels merged field by field) and validates the result. */
export function resolveCrfConfig(options: CrfOverrides = {}): CrfConfig {
  const known = Object.fromEntries(Object.keys(CRF_DEFAULTS).map((key) => [key, (options as Record<string, unknown>)[key]]));
  const config: CrfConfig = {
    ...CRF_DEFAULTS,
    ...withoutUndefined(known),
    gaussian: { ...CRF_DEFAULTS.gaussian, ...withoutUndefined(options.gaussian ?? {}) },
    bilateral: { ...CRF_DEFAULTS.bilateral, ...withoutUndefined(options.bilateral ?? {}) },
  };
  ensureInteger(config.iterations, 'the CRF iterations', { min: 0, max: 1000 });
  ensureOneOf(config.normalization, 'the kernel normalization', KERNEL_NORMALIZATIONS);
  ensureOneOf(config.backend, 'the kernel backend', ['lattice', 'exact']);
  ensureNumber(config.intensityScale, 'the image intensity scale', { min: Number.MIN_VALUE });
  ensureNumber(config.clip, 'the probability clip', { min: Number.MIN_VALUE, max: 1 });
  ensure(config.gtProb > 0 && config.gtProb < 1, 'a probability in (0, 1)', 'gtProb', config.gtProb);
  ensureNumber(config.gaussian.sxy, 'the Gaussian kernel sxy', { min: Number.MIN_VALUE });
  ensureNumber(config.gaussian.weight, 'the Gaussian kernel weight', { min: 0 });
  ensureNumber(config.bilateral.sxy, 'the bilateral kernel sxy', { min: Number.MIN_VALUE });
  ensureNumber(config.bilateral.srgb, 'the bilateral kernel srgb', { min: Number.MIN_VALUE });
  ensureNumber(config.bilateral.weight, 'the bilateral kernel weight', { min: 0 });
  return config;
}

/** The smoothness and appearance terms; a zero weight skips building that kernel. */
export function buildPairwiseTerms(image: ImageTensor, config: CrfConfig): PairwiseTerm[] {
  const kernelOptions = { normalization: config.normalization, backend: config.backend };
  const terms: PairwiseTerm[] = [];
  if (config.gaussian.weight > 0) {
    const features = gaussianFeatures(image.rows, image.cols, config.gaussian.sxy);
    terms.push({ kernel: createKernel(features, kernelOptions), weight: config.gaussian.weight });
  }
  if (config.bilateral.weight > 0) {
    const features = bilateralFeatures(image, { ...config.bilateral, intensityScale: config.intensityScale });
    terms.push({ kernel: createKernel(features, kernelOptions), weight: config.bilateral.weight });
  }
  return terms;
}

function finish(unary: LabelFields, marginals: Float32Array, iterations: number): CrfRefinement {
  const { rows, cols } = unary;
  const pixels = rows * cols;
  return {
    mask: createMask(rows, cols, labelsFromMarginals(marginals, 2)),
    foreground: createScalarMap(rows, cols, marginals.slice(pixels, 2 * pixels)),
    marginals: { data: marginals, labels: 2, rows, cols },
    iterations,
  };
}

function unaryMarginals(unary: LabelFields): Float32Array {
  const logits = unary.data.map((energy) => -energy);
  const marginals = new Float32Array(logits.length);
  softmaxOverLabels(logits, marginals, unary.labels);
  return marginals;
}

function binaryMask(mask: Mask): Mask {
  for (const value of mask.data) ensure(value <= 1, 'a mask of 0/1 values', 'the CRF input mask', value);
  return mask;
}

function isConstant(values: ArrayLike<number>): boolean {
  for (let at = 1; at < values.length; at++) if (values[at] !== values[0]) return false;
  return true;
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as Partial<T>;
}
