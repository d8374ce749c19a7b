/**
 * The model surface the explain pipeline uses (paper Alg. 1 steps 2-5): a classifier with a head whose
 * logits and input gradient IG needs, plus the last feature map as a grid of tokens for the feature maps,
 * the patch graph of the Normalized Cut and the TokenCut / MaskCut baselines. VitModel has it; a CNN gets it
 * from an adapter (cnn/mobilenetv2-explainable.ts) whose "patches" are the cells of its last feature map.
 */
import type { BackboneKind } from './backbone-kind.js';
import type { VitOutput, VitOutputs } from './vit-model.js';

/** The shape facts the pipeline reads; a VitConfig has them, a CNN states its own. */
export interface ExplainableConfig {
  /** Pixels per token side: the ViT patch, or a CNN's total stride at its last feature map (32 for MobileNetV2). */
  readonly patchSize: number;
  /** Token width: the ViT width, or a CNN's feature channels (1280 for MobileNetV2). */
  readonly dim: number;
  /** Transformer blocks, or a CNN's inverted-residual blocks (the 'clsLast4' features need a ViT). */
  readonly depth: number;
  /** Attention heads whose keys are laid side by side ('keys' is [heads, 1 + N, dim / heads]); 1 for a CNN. */
  readonly heads: number;
}

export interface ExplainableModel {
  readonly kind: BackboneKind;
  /**
   * Whether `forward` can return 'attention'. Without it the attention request is left out of the result,
   * and the attention feature maps fall back to 'token-norm' (see explainImage).
   */
  readonly hasAttention: boolean;
  /** Input rows and cols in pixels: multiples of `config.patchSize`, so the token grid is rows / patchSize. */
  readonly rows: number;
  readonly cols: number;
  /** Number of head classes (0 without a head). */
  readonly classes: number;
  readonly config: ExplainableConfig;
  /**
   * pixels: [batch, 3, rows, cols] normalised. Shapes as VitModel's: logits [batch, classes], cls [batch, dim]
   * (the feature the head reads), patchTokens [batch, N, dim] (row-major grid), keys [batch, heads, 1 + N, dim / heads].
   */
  forward(pixels: Float32Array, batch: number, request?: readonly VitOutput[]): Promise<VitOutputs>;
  /** The logits and d(sum(seed * logits))/d(pixels) in one run; `seed` is [batch, classes]. */
  inputGradient(pixels: Float32Array, batch: number, seed: Float32Array): Promise<{ logits: Float32Array; gradient: Float32Array }>;
  dispose(): Promise<void>;
}
