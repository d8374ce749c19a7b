/**
 * Contracts of the attribution stage. The model is injected as a GradientFn (docs/architecture.md),
 * so attribution never imports a backbone.
 */
import type { ImageTensor, ProgressCallback } from '../core/index.js';

/**
 * Scores and input-gradients of a classifier. `inputs` is [batch, C, H, W] in the normalised input
 * space; `scores[b]` is the output for class `targets[b]`; `gradients` has the shape of `inputs`.
 */
export type GradientFn = (inputs: Float32Array, batch: number, targets: Int32Array) => Promise<{ scores: Float32Array; gradients: Float32Array }>;

/** The class to explain for an input, typically the classifier's prediction. */
export type TargetFn = (input: ImageTensor) => number | Promise<number>;

/** A batch of same-shape inputs with one target class each and, optionally, fixed baselines. */
export interface AttributionBatch {
  readonly inputs: readonly ImageTensor[];
  readonly targets: Int32Array;
  /** One per input; when absent the method resolves them from the inputs itself. */
  readonly baselines?: readonly ImageTensor[];
}

export interface AttributionResult {
  /** One attribution per input, same shape as the input. */
  readonly attributions: ImageTensor[];
  /** Convergence deltas when requested (NoiseTunnel: one per noisy sample, input-major). */
  readonly deltas?: Float32Array;
}

export interface AttributeCallOptions {
  readonly onProgress?: ProgressCallback;
}

/** Any attribution algorithm NoiseTunnel can wrap (Captum's `Attribution`). */
export interface AttributionMethod {
  readonly name: string;
  attributeBatch(batch: AttributionBatch, options?: AttributeCallOptions): Promise<AttributionResult>;
  /**
   * The per-input reference a path method integrates from, computed on the clean input. NoiseTunnel
   * calls it before adding noise so the noisy copies share the clean baseline (as Captum expands
   * `baselines` without perturbing them).
   */
  resolveBaseline?(input: ImageTensor): ImageTensor;
  /** Default target when a caller gives none (the predicted class). */
  readonly predictClass?: TargetFn;
}

/** What a single-input call returns. */
export interface SingleAttribution {
  readonly attribution: ImageTensor;
  readonly target: number;
  /** IG: one number; NoiseTunnel over IG: one per noisy sample. */
  readonly delta?: number | Float32Array;
}
