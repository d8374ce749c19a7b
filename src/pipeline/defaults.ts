import type { PipelineConfig } from './config.js';

/**
 * The one place where defaults live. Paper settings where the paper gives them (IG 50 steps, NoiseTunnel 5
 * samples, DenseCRF); Captum's defaults where it inherits them (Gauss-Legendre, stdevs 1.0 in normalised space);
 * pydensecrf's usual call for the CRF kernels.
 */
export const defaultConfig: Readonly<PipelineConfig> = deepFreeze({
  inputSize: 224,
  view: 'resize',
  tileFraction: 0.25,
  explain: {
    target: 'predicted',
    nSteps: 50,
    method: 'gausslegendre',
    baseline: 'zero',
    internalBatchSize: 2,
    ntSamples: 5,
    ntType: 'smoothgrad',
    stdevs: 1.0,
    reduce: 'abs',
    smoothSigma: 2,
  },
  fusion: { enabled: false, feature: 'cls-attention' },
  mask: {
    method: 'ncut',
    darkBorderThreshold: 0.06,
    morphology: {
      equalize: false,
      clearBorder: true,
      borderMargin: 0,
      minObjectFraction: 0.005,
      dilateRadius: 3,
      erodeRadius: 3,
      fillHoles: true,
      keepLargest: false,
    },
    ncut: {
      graph: 'pixel',
      pixelGridSize: 64,
      relevanceWeight: 1,
      intensityWeight: 0.5,
      sigmaFeature: 0.1,
      sigmaSpace: 4,
      radius: 5,
      split: 'mean',
      tau: 0.2,
    },
  },
  crf: {
    enabled: true,
    iterations: 5,
    gaussianSxy: 3,
    gaussianWeight: 3,
    bilateralSxy: 80,
    bilateralSrgb: 13,
    bilateralWeight: 10,
    gtProb: 0.7,
    maxSide: 512,
  },
  seed: 0,
});

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
