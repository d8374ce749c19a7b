/**
 * One round of the student's training (issue 14, section 3): the confident tokens of every training image,
 * a per-token head fitted on them, and (a recorded diagnostic) the probability at which the training tokens
 * cover the pseudo-masks' mean extent.
 */
import type { ProgressCallback } from '../../core/index.js';
import { predictStudentHead, thresholdForFraction, trainStudentHead, type TokenTargets } from '../../head/index.js';
import type { StudentConfig } from './config.js';
import { studentFeatureDim, studentFeatures } from './features.js';
import type { ImageTokens } from './infer.js';
import type { StudentWeights } from './student-model.js';

export interface LabelledTokens {
  readonly tokens: ImageTokens;
  readonly targets: TokenTargets;
}

export interface StudentRound {
  readonly weights: StudentWeights;
  readonly losses: number[];
  /** Tokens that entered training (weight > 0) out of all tokens. */
  readonly samples: { readonly used: number; readonly total: number };
  /** Mean token target: the pseudo-masks' foreground fraction on the grid. */
  readonly targetFraction: number;
}

function stack(images: readonly LabelledTokens[], options: { tokenDim: number; context: boolean; position: boolean }): { features: Float32Array; targets: Float32Array; weights: Float32Array } {
  const dim = studentFeatureDim(options.tokenDim, options);
  const perImage = images[0]!.targets.targets.length;
  const features = new Float32Array(images.length * perImage * dim);
  const targets = new Float32Array(images.length * perImage);
  const weights = new Float32Array(images.length * perImage);
  images.forEach((image, i) => {
    features.set(studentFeatures(image.tokens.tokens, image.tokens.grid, { dim: options.tokenDim, context: options.context, position: options.position }), i * perImage * dim);
    targets.set(image.targets.targets, i * perImage);
    weights.set(image.targets.weights, i * perImage);
  });
  return { features, targets, weights };
}

/** Fit one round's student on labelled tokens of the training images. */
export function learnStudentRound(
  images: readonly LabelledTokens[],
  options: { config: StudentConfig; tokenDim: number; round: number; seed: number; onProgress?: ProgressCallback },
): StudentRound {
  const { config } = options;
  const samples = stack(images, { tokenDim: options.tokenDim, context: config.context, position: config.position });
  const result = trainStudentHead(samples, {
    hidden: config.hidden, epochs: config.epochs, lr: config.lr, weightDecay: config.weightDecay, seed: options.seed + options.round,
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  });
  const targetFraction = samples.targets.reduce((sum, t) => sum + t, 0) / samples.targets.length;
  const threshold = thresholdForFraction(predictStudentHead(result.head, samples.features), targetFraction);
  return {
    weights: { head: result.head, threshold, context: config.context, position: config.position, round: options.round },
    losses: result.losses, samples: { used: result.samples, total: samples.targets.length }, targetFraction,
  };
}
