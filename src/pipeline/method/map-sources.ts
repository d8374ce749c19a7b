/**
 * Every map a segmentation could start from, at the original image size, for the cut-independent map
 * scores (issue 14, section 1) and as alternative inputs of the cut: the classifier's relevance (IG x
 * NoiseTunnel, from explainImage) and its fusion, the ViT feature maps (paper Sec. 3.4), patch-token maps
 * (the head on every last-layer patch token, the ViT analogue of CAM: Zhou et al., CVPR 2016), a
 * multiple-instance token head's maps, and the trivial references (a centred radial prior, the grey level).
 */
import { createScalarMap, resizeMapBilinear, type ImageTensor, type PatchGrid, type ScalarMap } from '../../core/index.js';
import type { ExplainableModel } from '../../backbone/explainable-model.js';
import { imageToBatch, resizeImage } from '../../data/index.js';
import { FEATURE_MAP_KINDS, featureMap, type FeatureMapKind } from '../../features/index.js';
import { predictHead, tokenLogits, type HeadModel, type TokenHead } from '../../head/index.js';
import { toGrayscale } from '../../postprocess/index.js';

const ATTENTION_KINDS: readonly FeatureMapKind[] = ['cls-attention', 'head-attention'];

export const CLASSIFIER_MAP_SOURCES = [...FEATURE_MAP_KINDS, 'patch-logits', 'token-head'] as const;
export const REFERENCE_MAP_SOURCES = ['centre-prior', 'intensity-bright', 'intensity-dark'] as const;
export const EXPLANATION_MAP_SOURCES = ['relevance', 'fused'] as const;
export const MAP_SOURCES = [...EXPLANATION_MAP_SOURCES, ...CLASSIFIER_MAP_SOURCES, ...REFERENCE_MAP_SOURCES] as const;
export type MapSourceName = (typeof MAP_SOURCES)[number];

/**
 * Per-token evidence for `target` against the other classes: the log-odds z_target - log(sum_{k != target}
 * exp z_k) of logits [tokens, K] (z_target - z_other for two classes), on the patch grid.
 */
export function tokenEvidenceMap(logits: Float32Array, options: { classes: number; target: number; grid: PatchGrid }): ScalarMap {
  const { classes, target, grid } = options;
  const map = createScalarMap(grid.rows, grid.cols);
  for (let t = 0; t < map.data.length; t++) {
    let max = -Infinity;
    for (let k = 0; k < classes; k++) if (k !== target) max = Math.max(max, logits[t * classes + k]!);
    let sum = 0;
    for (let k = 0; k < classes; k++) if (k !== target) sum += Math.exp(logits[t * classes + k]! - max);
    map.data[t] = logits[t * classes + target]! - (max + Math.log(sum));
  }
  return map;
}

/** The last block's arrays of one image, from one forward pass (shapes in features/vit-maps.ts). */
export interface LastBlock {
  readonly grid: PatchGrid;
  /** Absent for a model without attention (a CNN): its attention maps are then left out. */
  readonly attention?: Float32Array;
  readonly patchTokens: Float32Array;
  /** The head's logits of the whole image. */
  readonly logits: Float32Array;
}

/**
 * The outputs of the one forward pass that serves prediction, the feature maps and the baseline score
 * (explainImage, lastBlockOf: one onnxruntime session); no attention request to a model without it.
 */
export function forwardOutputsFor(model: Pick<ExplainableModel, 'hasAttention'>): readonly ('logits' | 'attention' | 'patchTokens')[] {
  return model.hasAttention ? ['logits', 'attention', 'patchTokens'] : ['logits', 'patchTokens'];
}

export async function lastBlockOf(image: ImageTensor, context: { model: ExplainableModel; head: Pick<HeadModel, 'normalisation'> }): Promise<LastBlock> {
  const { model } = context;
  const resized = await resizeImage(image, model.rows, model.cols);
  // The same output set as explainImage's prediction pass, so both use one onnxruntime session.
  const out = await model.forward(imageToBatch([resized], context.head.normalisation), 1, forwardOutputsFor(model));
  const patch = model.config.patchSize;
  const grid = { rows: model.rows / patch, cols: model.cols / patch };
  return { grid, ...(out.attention ? { attention: out.attention } : {}), patchTokens: out.patchTokens!, logits: out.logits! };
}

export interface ClassifierMapContext {
  readonly head: HeadModel;
  /** The class whose evidence the patch-token and token-head maps show. */
  readonly target: number;
  /** The attention head of 'head-attention'. */
  readonly attentionHead?: number;
  readonly tokenHead?: TokenHead;
}

/**
 * The maps a forward pass gives, on the patch grid (unnormalised; the map scores depend on order only).
 * 'patch-logits' needs a head on the final CLS ('cls' features: the patch tokens share its LayerNorm);
 * 'token-head' needs a token head; the attention maps need the attention (a CNN has none). Sources that
 * cannot be computed are left out.
 */
export function classifierMaps(block: LastBlock, context: ClassifierMapContext): Partial<Record<MapSourceName, ScalarMap>> {
  const maps: Partial<Record<MapSourceName, ScalarMap>> = {};
  const kinds = FEATURE_MAP_KINDS.filter((kind) => block.attention !== undefined || !ATTENTION_KINDS.includes(kind));
  for (const kind of kinds) maps[kind] = featureMap({ ...block.grid, ...block }, { kind: kind as FeatureMapKind, head: context.attentionHead ?? 0, outputSize: block.grid }).patch;
  const classes = context.head.head.classes.length;
  if (context.head.featureKind === 'cls') {
    maps['patch-logits'] = tokenEvidenceMap(predictHead(context.head.head, block.patchTokens), { classes, target: context.target, grid: block.grid });
  }
  if (context.tokenHead) {
    maps['token-head'] = tokenEvidenceMap(tokenLogits(context.tokenHead, block.patchTokens), { classes, target: context.target, grid: block.grid });
  }
  return maps;
}

/** The trivial references at the image size: -(normalised radius)^2 from the centre, and the grey level both ways. */
export function referenceMaps(image: ImageTensor): Record<(typeof REFERENCE_MAP_SOURCES)[number], ScalarMap> {
  const { rows, cols } = image;
  const prior = createScalarMap(rows, cols);
  for (let y = 0; y < rows; y++) {
    const dy = (y + 0.5 - rows / 2) / (rows / 2);
    for (let x = 0; x < cols; x++) {
      const dx = (x + 0.5 - cols / 2) / (cols / 2);
      // Any decreasing function of the radius ranks pixels alike: a Gaussian and an ellipse score the same AUC.
      prior.data[y * cols + x] = -(dx * dx + dy * dy);
    }
  }
  const gray = toGrayscale(image);
  return { 'centre-prior': prior, 'intensity-bright': gray, 'intensity-dark': createScalarMap(rows, cols, gray.data.map((v) => -v)) };
}

/** Patch-grid maps brought to the image size (bilinear, half-pixel centres). */
export function mapsAtSize<K extends string>(maps: Partial<Record<K, ScalarMap>>, size: { rows: number; cols: number }): Partial<Record<K, ScalarMap>> {
  const out: Partial<Record<K, ScalarMap>> = {};
  for (const [name, map] of Object.entries(maps) as [K, ScalarMap][]) {
    out[name] = map.rows === size.rows && map.cols === size.cols ? map : resizeMapBilinear(map, size.rows, size.cols);
  }
  return out;
}
