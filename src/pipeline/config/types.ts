/**
 * The whole pipeline's configuration (Algorithm 1), in the stages' own vocabulary: every union and option
 * type below is imported from the stage that consumes it, so passing settings down is a pass-through and a
 * new stage option cannot be out of reach or drift. Frozen defaults live in defaults.ts; the four variants
 * are partial configs merged over them (presets.ts); config files and CLI flags are partial configs too.
 */
import type { BaselineSpec, NoiseTunnelType, QuadratureMethod, RelevanceSign } from '../../attribution/index.js';
import type { CrfConfig as CrfStageConfig } from '../../crf/index.js';
import type { FeatureMapKind } from '../../features/index.js';
import type { SplitRule } from '../../ncut/index.js';
import type { MorphologyChainOptions } from '../../postprocess/index.js';

/** The IG reference inputs a config can name (a given tensor is for library callers only). */
export type IgBaselineKind = Exclude<BaselineSpec['kind'], 'tensor'>;
export type MaskMethod = 'morphology' | 'ncut';

/**
 * Where the relevance comes from: Integrated Gradients x NoiseTunnel (the paper, Sec. 3.3), the head applied
 * to every last-layer patch token ('patch-logits'), or a multiple-instance token head trained on the image
 * labels ('token-head', `explainseg train-token-head`). The last two cost one forward pass (issue 14) and
 * ignore every IG setting below.
 */
export const EXPLAIN_SOURCES = ['integrated-gradients', 'patch-logits', 'token-head'] as const;
export type ExplainSource = (typeof EXPLAIN_SOURCES)[number];

export interface ExplainConfig {
  source: ExplainSource;
  /** Class whose score is explained: 'predicted' (Algorithm 1) or a class name of the head. */
  target: string;
  /** Integrated Gradients path steps (paper: Captum default 50). */
  nSteps: number;
  method: QuadratureMethod;
  /** The IG reference input x' (not to be confused with the competing methods of `compare`). */
  baseline: IgBaselineKind;
  /** Gradient evaluations per runtime call (bounds memory). */
  internalBatchSize: number;
  /** NoiseTunnel samples (paper: 5); 0 turns the tunnel off. */
  ntSamples: number;
  ntType: NoiseTunnelType;
  /** Noise standard deviation in normalised input space (Captum's default 1.0). */
  stdevs: number;
  /** Channels are summed, then |.| ('absolute') or max(., 0) ('positive'). */
  sign: RelevanceSign;
  /** Gaussian smoothing of the 2-D map, in pixels of the backbone input (0 = none). */
  smoothSigma: number;
}

export interface FusionConfig {
  enabled: boolean;
  feature: FeatureMapKind;
  /** The attention head of the 'head-attention' feature map. */
  head: number;
}

/** The morphology chain's own options, with the small-object size as a fraction of the map's pixels. */
export type MorphologyConfig = Pick<MorphologyChainOptions, 'equalize' | 'clearBorder' | 'borderMargin' | 'dilateRadius' | 'erodeRadius' | 'fillHoles' | 'keepLargest'> & {
  minObjectFraction: number;
};

export interface NcutConfig {
  /**
   * 'pixel': Shi-Malik sparse graph on a downsampled pixel grid of the map and the image intensity (default);
   * 'patch': dense TokenCut-style graph on the ViT patch grid from the last-block keys, relevance picks the side.
   */
  graph: 'patch' | 'pixel';
  /** Side of the pixel grid the map is downsampled to before the cut. */
  pixelGridSize: number;
  relevanceWeight: number;
  intensityWeight: number;
  /** sigma_I of the feature term, for values in [0, 1]. */
  sigmaFeature: number;
  /** sigma_X of the proximity term, in grid pixels. */
  sigmaSpace: number;
  radius: number;
  split: SplitRule;
  /** TokenCut's affinity threshold (patch graph). */
  tau: number;
}

/** DenseCRF: the CRF stage's kernel settings as they are, plus whether and at what resolution it runs. */
export type CrfConfig = Pick<CrfStageConfig, 'iterations' | 'gtProb'> & {
  enabled: boolean;
  gaussian: { sxy: number; weight: number };
  bilateral: { sxy: number; srgb: number; weight: number };
  /** CRF at this many pixels on the longer side (the mask is upsampled after). */
  maxSide: number;
};

export interface PipelineConfig {
  inputSize: number;
  /** Explain the image resized to the input size ('resize') or tile it with the training patch size ('tiles'). */
  view: 'resize' | 'tiles';
  /**
   * Tile side for view 'tiles' as a fraction of the image's short side: 0.25 matches the Kvasir-SEG patch
   * classifier's training patches (data/patch-adapters.ts), which a head file does not record.
   */
  tileFraction: number;
  explain: ExplainConfig;
  fusion: FusionConfig;
  mask: {
    method: MaskMethod;
    /** Grey level under which a dark region touching the border is an artefact (frame, inset box); 0 = keep all. */
    darkBorderThreshold: number;
    morphology: MorphologyConfig;
    ncut: NcutConfig;
  };
  crf: CrfConfig;
  seed: number;
}

export type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K] };
export type PartialPipelineConfig = DeepPartial<PipelineConfig>;
