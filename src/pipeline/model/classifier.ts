/**
 * The classifier the explain stage attributes (paper Sec. 3.2-3.3): the frozen DINO ViT with the trained
 * linear head attached, so one onnxruntime graph gives logits and their input gradient. The head file
 * carries the backbone's SHA-256, the input size and the normalisation, so a head trained on another
 * backbone is refused here, before any image is processed.
 */
import { ensureInteger, ModelMismatchError } from '../../core/index.js';
import type { VitConfig } from '../../backbone/vit-config.js';
import { VitModel } from '../../backbone/vit-model.js';
import { loadWeights } from '../../backbone/weights/index.js';
import { ensureCompatibleHead, loadHead, type HeadModel } from '../../head/index.js';
import { vitConfigFromStateDict } from '../../backbone/load-backbone.js';
import { featureDimOf } from './feature-extractor.js';
import { weightsForHead } from './finetuned-blocks.js';

export interface LoadClassifierOptions {
  readonly weightsPath: string;
  readonly headPath: string;
  /** Input side in pixels; default the head's. A different side than the head's is a ModelMismatchError. */
  readonly inputSize?: number;
  /** Attention heads (not stored in the weights); default the head file's backbone config, else dim / 64. */
  readonly heads?: number;
  /** onnxruntime intra-op threads (default the model's, 2). */
  readonly threads?: number;
}

export interface Classifier {
  /** The ViT with the head attached: `forward(..., ['logits'])` and `inputGradient` work. */
  readonly model: VitModel;
  readonly head: HeadModel;
  /** SHA-256 (hex) of the weights file, equal to the one the head was trained with. */
  readonly backboneSha256: string;
  readonly config: VitConfig;
}

/** Heads recorded by `train` in the head file (`backbone.config.heads`), when present and an integer. */
function headsFromHeadFile(head: HeadModel): number | undefined {
  const config = head.backbone.config as { heads?: unknown } | null;
  const heads = config?.heads;
  return typeof heads === 'number' && Number.isInteger(heads) && heads > 0 ? heads : undefined;
}

/**
 * Load weights and head, check they belong together (backbone SHA-256, input size, feature width, and the
 * fine-tuned blocks the head needs, if any), and build the model. Throws ModelMismatchError naming every difference.
 *
 * @example const { model, head } = await loadClassifier({ weightsPath: 'dino_vits16.pth', headPath: 'run/head.json' });
 */
export async function loadClassifier(options: LoadClassifierOptions): Promise<Classifier> {
  const head = await loadHead(options.headPath);
  const loaded = await loadWeights(options.weightsPath);
  const heads = options.heads ?? headsFromHeadFile(head);
  const config = vitConfigFromStateDict(loaded.stateDict, { file: options.weightsPath, ...(heads === undefined ? {} : { heads }) });
  const inputSize = options.inputSize === undefined ? head.inputSize : ensureInteger(options.inputSize, 'the classifier input size', { min: 1 });
  ensureCompatibleHead(head, { backboneSha256: loaded.sha256, inputSize });
  const featureDim = featureDimOf(config, head.featureKind);
  if (head.head.dim !== featureDim) {
    throw new ModelMismatchError(`the head does not fit this model: feature width ${head.head.dim} (head) vs ${featureDim} (${head.featureKind} of a ViT of width ${config.dim})`);
  }
  const stateDict = await weightsForHead(loaded, head, options.headPath);
  const model = await VitModel.create(stateDict, config, {
    head: { weight: head.head.weight, bias: head.head.bias, features: head.featureKind },
    inputSize,
    ...(options.threads ? { threads: options.threads } : {}),
  });
  return { model, head, backboneSha256: loaded.sha256, config };
}

/**
 * Loads the classifier, runs `work` with it and disposes it whatever happens: the one owner of the model.
 *
 * @example const labels = await withClassifier({ weightsPath, headPath }, async ({ model }) => predictAll(model));
 */
export async function withClassifier<T>(options: LoadClassifierOptions, work: (classifier: Classifier) => Promise<T>): Promise<T> {
  const classifier = await loadClassifier(options);
  try {
    return await work(classifier);
  } finally {
    await classifier.model.dispose();
  }
}
