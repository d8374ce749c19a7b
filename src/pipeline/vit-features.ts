/**
 * The frozen ViT as a feature extractor for the classification head (paper Sec. 3.2): weights are loaded,
 * checked against the architecture they imply, and wrapped so that `trainClassifier` sees a plain
 * batch -> features function.
 */
import { ensure, ensureInteger, ensureOneOf, WeightsError } from '../core/index.js';
import type { StateDict } from '../backbone/state-dict.js';
import type { VitConfig } from '../backbone/vit-config.js';
import { VitModel } from '../backbone/vit-model.js';
import { checkVitStateDict, inferVitConfig, loadWeights } from '../backbone/weights/index.js';
import type { FeatureKind } from '../head/index.js';
import type { FeatureExtractor } from './train-classifier.js';

export const FEATURE_KINDS: readonly FeatureKind[] = ['cls', 'clsLast4'];

export interface VitFeatureOptions {
  /** 'cls' (default): the final normed CLS token, D values; 'clsLast4': the last four blocks' CLS, 4D values. */
  featureKind?: FeatureKind;
  /** Images per backbone run; larger calls are cut into runs of this size (default 16). */
  batchSize?: number;
}

/** Width of the features a ViT of this config gives for a feature kind. */
export function featureDimOf(config: Pick<VitConfig, 'dim'>, featureKind: FeatureKind = 'cls'): number {
  return featureKind === 'clsLast4' ? 4 * config.dim : config.dim;
}

/**
 * Wraps a VitModel as the `extractFeatures` function of `trainClassifier`: [n, 3, S, S] normalised pixels in,
 * [n, featureDim] features out, run in chunks of `batchSize` so memory stays bounded whatever n is.
 *
 * Example: `createVitFeatureExtractor(model, { featureKind: 'cls', batchSize: 8 })(pixels, 20)` runs the
 * backbone three times (8 + 8 + 4 images) and returns 20 x 384 values for ViT-S/16.
 */
export function createVitFeatureExtractor(model: VitModel, options: VitFeatureOptions = {}): FeatureExtractor {
  const featureKind = ensureOneOf(options.featureKind ?? 'cls', 'the feature kind', FEATURE_KINDS);
  const batchSize = ensureInteger(options.batchSize ?? 16, 'the feature batch size', { min: 1 });
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

export interface LoadedBackbone {
  readonly model: VitModel;
  readonly config: VitConfig;
  /** SHA-256 of the weights file (hex), stored with every head trained on this backbone. */
  readonly sha256: string;
  readonly weightsPath: string;
}

export interface LoadBackboneOptions {
  /** Input side in pixels, a multiple of the patch size; default the size the position embedding was trained for. */
  inputSize?: number;
  /** Attention heads: not stored in the weights (default dim / 64, as DINO/timm ViTs). */
  heads?: number;
  /** onnxruntime intra-op threads (default the model's, 2). */
  threads?: number;
}

/** The runner's config from the shapes in the state dict; DINO/timm ViTs use LayerNorm eps 1e-6. */
export function vitConfigFromStateDict(stateDict: StateDict, options: { heads?: number; file?: string } = {}): VitConfig {
  const inferred = inferVitConfig(stateDict, options);
  const file = options.file ?? 'state dict';
  if (inferred.imageSize === undefined) throw new WeightsError(file, [`expected a square position embedding but received ${inferred.numPatches} patch positions`]);
  if (inferred.inChannels !== 3) throw new WeightsError(file, [`expected 3 input channels but received ${inferred.inChannels}`]);
  checkVitStateDict(stateDict, inferred, { file });
  return {
    patchSize: inferred.patchSize, dim: inferred.dim, depth: inferred.depth, heads: inferred.heads,
    mlpRatio: inferred.mlpDim / inferred.dim, imageSize: inferred.imageSize, layerNormEps: 1e-6,
  };
}

/**
 * Loads a DINO-layout ViT (Caron et al. 2021) from .pth, safetensors or .npy, infers and checks its config
 * (every missing or mis-shaped tensor reported at once), and builds the runner. No session is started yet.
 */
export async function loadBackbone(weightsPath: string, options: LoadBackboneOptions = {}): Promise<LoadedBackbone> {
  const loaded = await loadWeights(weightsPath);
  const config = vitConfigFromStateDict(loaded.stateDict, { file: weightsPath, ...(options.heads ? { heads: options.heads } : {}) });
  const model = await VitModel.create(loaded.stateDict, config, {
    inputSize: options.inputSize ?? config.imageSize,
    ...(options.threads ? { threads: options.threads } : {}),
  });
  return { model, config, sha256: loaded.sha256, weightsPath };
}
