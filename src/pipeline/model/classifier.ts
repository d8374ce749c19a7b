/**
 * The classifier the explain stage attributes (paper Sec. 3.2-3.3): the frozen backbone (a DINO ViT, or a
 * MobileNetV2) with the trained linear head attached, so one onnxruntime graph gives logits and their input
 * gradient. The head file carries the backbone's kind and SHA-256, the input size and the normalisation, so a
 * head trained on another backbone is refused here, before any image is processed.
 */
import { ensureInteger, ModelMismatchError } from '../../core/index.js';
import { backboneKindOfConfig, detectBackboneKind, type BackboneKind } from '../../backbone/backbone-kind.js';
import type { ExplainableModel } from '../../backbone/explainable-model.js';
import { checkMobileNetV2Weights, MOBILENETV2_IMAGENET_LAYOUT } from '../../backbone/cnn/index.js';
import { explainableFromWeights, type BackboneConfig } from '../../backbone/load-explainable.js';
import { backboneOf } from '../../backbone/vit-config.js';
import { VitModel } from '../../backbone/vit-model.js';
import { loadWeights, type LoadedWeights } from '../../backbone/weights/index.js';
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
  /** The backbone kind the caller expects; the head decides, and a different kind is a ModelMismatchError. */
  readonly backbone?: BackboneKind;
}

export interface Classifier {
  /** The backbone with the head attached: `forward(..., ['logits'])` and `inputGradient` work. */
  readonly model: ExplainableModel;
  readonly head: HeadModel;
  /** SHA-256 (hex) of the weights file, equal to the one the head was trained with. */
  readonly backboneSha256: string;
  /** The head's backbone kind, which the weights hold. */
  readonly kind: BackboneKind;
  /** The backbone's config: a VitConfig, or MobileNetV2's `{ kind, features, stride, imageSize }`. */
  readonly config: BackboneConfig;
}

/** Heads recorded by `train` in the head file (`backbone.config.heads`), when present and an integer. */
function headsFromHeadFile(head: HeadModel): number | undefined {
  const config = head.backbone.config as { heads?: unknown } | null;
  const heads = config?.heads;
  return typeof heads === 'number' && Number.isInteger(heads) && heads > 0 ? heads : undefined;
}

/**
 * The backbone kind a head was trained on (its recorded `backbone.config`), checked against the kind a caller
 * expects: a different one is a ModelMismatchError naming the head file and both kinds.
 */
export function headBackboneKind(head: HeadModel, headPath: string, expected?: BackboneKind): BackboneKind {
  const kind = backboneKindOfConfig(head.backbone.config);
  if (expected !== undefined && expected !== kind) throw new ModelMismatchError(`the head ${headPath} was trained on a ${kind} backbone, but ${expected} was asked for`);
  return kind;
}

/** The head's kind (checked against `options.backbone`) and the weights' must both be a CNN or both a ViT. */
function checkedBackboneKind(head: HeadModel, loaded: LoadedWeights, options: LoadClassifierOptions): BackboneKind {
  const kind = headBackboneKind(head, options.headPath, options.backbone);
  const held = detectBackboneKind(loaded.stateDict);
  if ((held === 'mobilenetv2') !== (kind === 'mobilenetv2')) {
    throw new ModelMismatchError(`the head ${options.headPath} was trained on a ${kind} backbone, but the weights ${options.weightsPath} hold a ${held}`);
  }
  return kind;
}

/**
 * Load weights and head, check they belong together (backbone kind and SHA-256, input size, feature width,
 * and the fine-tuned blocks the head needs, if any), and build the model. Throws ModelMismatchError naming
 * every difference.
 *
 * @example const { model, head } = await loadClassifier({ weightsPath: 'dino_vits16.pth', headPath: 'run/head.json' });
 */
export async function loadClassifier(options: LoadClassifierOptions): Promise<Classifier> {
  const head = await loadHead(options.headPath);
  const loaded = await loadWeights(options.weightsPath);
  const kind = checkedBackboneKind(head, loaded, options);
  const inputSize = options.inputSize === undefined ? head.inputSize : ensureInteger(options.inputSize, 'the classifier input size', { min: 1 });
  ensureCompatibleHead(head, { backboneSha256: loaded.sha256, inputSize });
  if (kind === 'mobilenetv2') return cnnClassifier(head, loaded, { ...options, inputSize });
  const heads = options.heads ?? headsFromHeadFile(head);
  const config = vitConfigFromStateDict(loaded.stateDict, { file: options.weightsPath, ...(heads === undefined ? {} : { heads }) });
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
  return { model, head, backboneSha256: loaded.sha256, kind: backboneOf(config), config };
}

/** A head on MobileNetV2's pooled feature: 'cls' features of the network's width, no fine-tuned blocks. */
async function cnnClassifier(head: HeadModel, loaded: LoadedWeights, options: LoadClassifierOptions & { inputSize: number }): Promise<Classifier> {
  if (head.featureKind !== 'cls' || head.finetuned) {
    throw new ModelMismatchError(`the head ${options.headPath} does not fit a MobileNetV2: it reads '${head.featureKind}' features${head.finetuned ? ' with fine-tuned ViT blocks' : ''} (a MobileNetV2 head reads the pooled feature, 'cls')`);
  }
  const features = checkMobileNetV2Weights(loaded.stateDict, MOBILENETV2_IMAGENET_LAYOUT, options.weightsPath);
  if (head.head.dim !== features) {
    throw new ModelMismatchError(`the head does not fit this model: feature width ${head.head.dim} (head) vs ${features} (pooled feature of the MobileNetV2)`);
  }
  const backbone = await explainableFromWeights(loaded, options.weightsPath, {
    backbone: 'mobilenetv2', inputSize: options.inputSize, head: { weight: head.head.weight, bias: head.head.bias, features: 'cls' },
    ...(options.threads ? { threads: options.threads } : {}),
  });
  return { model: backbone.model, head, backboneSha256: loaded.sha256, kind: 'mobilenetv2', config: backbone.config };
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
