import { CRF_DEFAULTS } from '../../crf/index.js';
import { DEFAULT_MORPHOLOGY_CHAIN } from '../../postprocess/index.js';
import type { PipelineConfig } from './types.js';

const { equalize, clearBorder, borderMargin, dilateRadius, erodeRadius, fillHoles, keepLargest } = DEFAULT_MORPHOLOGY_CHAIN;

/**
 * The one place where the pipeline's defaults live; where a stage has its own defaults (the morphology
 * chain, the CRF kernels) they are read from the stage, not restated. Paper settings where the paper gives
 * them (IG 50 steps, NoiseTunnel 5 samples, DenseCRF); Captum's defaults where it inherits them
 * (Gauss-Legendre, stdevs 1.0 in normalised space); pydensecrf's usual call for the CRF kernels.
 */
export const defaultConfig: Readonly<PipelineConfig> = deepFreeze({
  inputSize: 224,
  view: 'resize',
  tileFraction: 0.25,
  explain: {
    source: 'integrated-gradients',
    target: 'predicted',
    nSteps: 50,
    method: 'gausslegendre',
    baseline: 'zero',
    internalBatchSize: 2,
    ntSamples: 5,
    ntType: 'smoothgrad',
    stdevs: 1.0,
    sign: 'absolute',
    smoothSigma: 2,
  },
  fusion: { enabled: false, feature: 'cls-attention', head: 0 },
  mask: {
    method: 'ncut',
    darkBorderThreshold: 0.06,
    morphology: { equalize, clearBorder, borderMargin, minObjectFraction: 0.005, dilateRadius, erodeRadius, fillHoles, keepLargest },
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
    iterations: CRF_DEFAULTS.iterations,
    gaussian: { ...CRF_DEFAULTS.gaussian },
    bilateral: { ...CRF_DEFAULTS.bilateral },
    gtProb: CRF_DEFAULTS.gtProb,
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
