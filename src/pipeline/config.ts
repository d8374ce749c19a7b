/**
 * The whole pipeline's configuration (Algorithm 1). Frozen defaults live in defaults.ts; the four variants are
 * partial configs merged over them (presets.ts); config files and CLI flags are partial configs too.
 */
export type QuadratureMethod = 'gausslegendre' | 'riemann_left' | 'riemann_right' | 'riemann_middle' | 'riemann_trapezoid';
export type BaselineKind = 'zero' | 'black' | 'blurred' | 'uniform';
export type NoiseTunnelType = 'smoothgrad' | 'smoothgrad_sq' | 'vargrad';
export type FeatureMapKind = 'cls-attention' | 'token-norm' | 'pca';
export type MaskMethod = 'morphology' | 'ncut';

export interface ExplainConfig {
  /** Class whose score is explained: 'predicted' (Algorithm 1) or a class name of the head. */
  target: string;
  /** Integrated Gradients path steps (paper: Captum default 50). */
  nSteps: number;
  method: QuadratureMethod;
  baseline: BaselineKind;
  /** Gradient evaluations per runtime call (bounds memory). */
  internalBatchSize: number;
  /** NoiseTunnel samples (paper: 5); 0 turns the tunnel off. */
  ntSamples: number;
  ntType: NoiseTunnelType;
  /** Noise standard deviation in normalised input space (Captum's default 1.0). */
  stdevs: number;
  /** Reduce channels by summing, then |.| ('abs') or max(., 0) ('positive'). */
  reduce: 'abs' | 'positive';
  /** Gaussian smoothing of the 2-D map, in pixels of the backbone input (0 = none). */
  smoothSigma: number;
}

export interface FusionConfig {
  enabled: boolean;
  feature: FeatureMapKind;
}

export interface MorphologyConfig {
  equalize: boolean;
  clearBorder: boolean;
  borderMargin: number;
  minObjectFraction: number;
  dilateRadius: number;
  erodeRadius: number;
  fillHoles: boolean;
  keepLargest: boolean;
}

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
  split: 'mean' | 'zero' | 'median' | 'sweep';
  /** TokenCut's affinity threshold (patch graph). */
  tau: number;
}

export interface CrfConfig {
  enabled: boolean;
  iterations: number;
  gaussianSxy: number;
  gaussianWeight: number;
  bilateralSxy: number;
  bilateralSrgb: number;
  bilateralWeight: number;
  /** Confidence of the hard mask used as the unary. */
  gtProb: number;
  /** CRF at this many pixels on the longer side (the mask is upsampled after). */
  maxSide: number;
}

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
