/**
 * Normalisation, upsampling and the relevance-feature fusion of paper section 3.5: the fused map is
 * the elementwise product of the normalised relevance and the normalised ViT feature map,
 * renormalised, so a region must be both relevant to the class and salient to the ViT.
 */
import { createScalarMap, ensure, ensureMap, ensureOneOf, resizeMapBilinear, type PatchGrid, type ScalarMap } from '../core/index.js';
import { clsAttentionMap, headAttentionMap, principalComponentMap, tokenNormMap } from './vit-maps.js';

/** Min-max scaling to [0, 1]; a constant map (including all zeros) becomes zeros. */
export function normalizeMinMax(map: ScalarMap): ScalarMap {
  ensureMap(map, 'the map to normalise');
  let min = Infinity;
  let max = -Infinity;
  for (const value of map.data) {
    if (value < min) min = value;
    if (value > max) max = value;
  }
  const out = createScalarMap(map.rows, map.cols);
  const range = max - min;
  if (!(range > 0)) return out;
  for (let i = 0; i < out.data.length; i++) out.data[i] = (map.data[i]! - min) / range;
  return out;
}

export const FEATURE_MAP_KINDS = ['cls-attention', 'head-attention', 'token-norm', 'pca'] as const;
export type FeatureMapKind = (typeof FEATURE_MAP_KINDS)[number];

/** The last block's arrays for one image (shapes in vit-maps.ts). */
export interface VitLastBlock extends PatchGrid {
  /** [heads, 1 + N, 1 + N] */
  readonly attention?: Float32Array;
  /** [N, dim] without CLS */
  readonly patchTokens?: Float32Array;
}

export interface FeatureMapOptions {
  /** Default 'cls-attention' (mean over heads). */
  readonly kind?: FeatureMapKind;
  /** The head for 'head-attention'. */
  readonly head?: number;
  /** The image size to upsample to (bilinear, half-pixel centres). */
  readonly outputSize: { readonly rows: number; readonly cols: number };
}

/** A feature map normalised to [0, 1] on the patch grid (`patch`) and upsampled to the image (`image`). */
export function featureMap(block: VitLastBlock, options: FeatureMapOptions): { patch: ScalarMap; image: ScalarMap } {
  const kind = ensureOneOf(options.kind ?? 'cls-attention', 'the feature map kind', FEATURE_MAP_KINDS);
  const raw = rawFeatureMap(block, kind, options.head);
  const patch = normalizeMinMax(raw);
  return { patch, image: resizeMapBilinear(patch, options.outputSize.rows, options.outputSize.cols) };
}

function rawFeatureMap(block: VitLastBlock, kind: FeatureMapKind, head: number | undefined): ScalarMap {
  if (kind === 'cls-attention' || kind === 'head-attention') {
    ensure(block.attention !== undefined, 'the last-block attention', `the ${kind} feature map`, block.attention);
    return kind === 'cls-attention' ? clsAttentionMap(block.attention!, block) : headAttentionMap(block.attention!, block, head ?? 0);
  }
  ensure(block.patchTokens !== undefined, 'the last-block patch tokens', `the ${kind} feature map`, block.patchTokens);
  if (kind === 'token-norm') return tokenNormMap(block.patchTokens!, block);
  const signReference = block.attention === undefined ? undefined : clsAttentionMap(block.attention, block);
  return principalComponentMap(block.patchTokens!, block, signReference === undefined ? {} : { signReference });
}

export interface FusedMaps {
  readonly relevance: ScalarMap;
  readonly feature: ScalarMap;
  readonly fused: ScalarMap;
}

/**
 * Fuse relevance and feature maps (paper 3.5): both min-max normalised (the feature map is first
 * resized to the relevance map's size when they differ), multiplied elementwise, renormalised.
 * @example fuseRelevanceAndFeature(relevance, featureMap(block, { outputSize: relevance }).image).fused
 */
export function fuseRelevanceAndFeature(relevance: ScalarMap, feature: ScalarMap): FusedMaps {
  ensureMap(relevance, 'the relevance map');
  ensureMap(feature, 'the feature map');
  const resized = feature.rows === relevance.rows && feature.cols === relevance.cols ? feature : resizeMapBilinear(feature, relevance.rows, relevance.cols);
  const normalizedRelevance = normalizeMinMax(relevance);
  const normalizedFeature = normalizeMinMax(resized);
  const product = createScalarMap(relevance.rows, relevance.cols);
  for (let i = 0; i < product.data.length; i++) product.data[i] = normalizedRelevance.data[i]! * normalizedFeature.data[i]!;
  return { relevance: normalizedRelevance, feature: normalizedFeature, fused: normalizeMinMax(product) };
}
