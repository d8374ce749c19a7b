/**
 * The frozen backbone as a feature extractor for the classification head (paper Sec. 3.2), wrapped so that
 * `trainClassifier` sees a plain batch -> features function. A ViT gives its CLS token; MobileNetV2 its
 * pooled feature under the same name ('cls').
 */
import { ensure, ensureInteger, ensureOneOf } from '../../core/index.js';
import type { VitConfig } from '../../backbone/vit-config.js';
import { isVitKind } from '../../backbone/backbone-kind.js';
import type { ExplainableModel } from '../../backbone/explainable-model.js';
import { FEATURE_KINDS, type FeatureKind } from '../../head/index.js';

/** Maps a normalised [n, 3, S, S] batch to [n, featureDim] features: what the head trains on. */
export type FeatureExtractor = (batch: Float32Array, n: number) => Promise<Float32Array>;

export interface VitFeatureOptions {
  /** 'cls' (default): the final normed CLS token, D values; 'clsLast4': the last four blocks' CLS, 4D values. */
  featureKind?: FeatureKind;
  /** Images per backbone run; larger calls are cut into runs of this size (default 16). */
  batchSize?: number;
}

/** Width of the features a backbone of this config gives for a feature kind ('clsLast4': a ViT's last four CLS tokens). */
export function featureDimOf(config: Pick<VitConfig, 'dim'>, featureKind: FeatureKind = 'cls'): number {
  return featureKind === 'clsLast4' ? 4 * config.dim : config.dim;
}

/**
 * Wraps an ExplainableModel as the `extractFeatures` function of `trainClassifier`: [n, 3, S, S] normalised
 * pixels in, [n, featureDim] features out, run in chunks of `batchSize` so memory stays bounded whatever n is.
 *
 * Example: `createVitFeatureExtractor(model, { featureKind: 'cls', batchSize: 8 })(pixels, 20)` runs the
 * backbone three times (8 + 8 + 4 images) and returns 20 x 384 values for ViT-S/16.
 */
export function createVitFeatureExtractor(model: ExplainableModel, options: VitFeatureOptions = {}): FeatureExtractor {
  const featureKind = ensureOneOf(options.featureKind ?? 'cls', 'the feature kind', FEATURE_KINDS);
  const batchSize = ensureInteger(options.batchSize ?? 16, 'the feature batch size', { min: 1 });
  ensure(featureKind !== 'clsLast4' || isVitKind(model.kind), 'a ViT backbone', "the 'clsLast4' features", model.kind);
  ensure(featureKind !== 'clsLast4' || model.config.depth >= 4, 'a ViT with at least 4 blocks', "the 'clsLast4' features", model.config.depth);
  const featureDim = featureDimOf(model.config, featureKind);
  const imageValues = 3 * model.rows * model.cols;
  return async (pixels, n) => {
    ensureInteger(n, 'the number of images', { min: 0 });
    ensure(pixels.length === n * imageValues, `${n * imageValues} values ([n, 3, ${model.rows}, ${model.cols}])`, 'the feature input', pixels.length);
    const features = new Float32Array(n * featureDim);
    for (let start = 0; start < n; start += batchSize) {
      const count = Math.min(batchSize, n - start);
      const chunk = pixels.subarray(start * imageValues, (start + count) * imageValues);
      const outputs = await model.forward(chunk, count, [featureKind]);
      features.set(outputs[featureKind]!, start * featureDim);
    }
    return features;
  };
}
