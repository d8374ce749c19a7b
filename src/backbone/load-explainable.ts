/**
 * Any backbone the explain pipeline can run, from its weights: the kind is read from the tensors (a ViT file
 * or a MobileNetV2 .npy folder), a kind the caller names must agree with it, and the result says what a head
 * trained on it records. The ViT path is loadBackbone's; MobileNetV2 comes wrapped as an ExplainableModel.
 */
import { ensureOneOf, ModelMismatchError } from '../core/index.js';
import { BACKBONE_KINDS, detectBackboneKind, type BackboneKind } from './backbone-kind.js';
import { MOBILENETV2_IMAGENET_LAYOUT, checkMobileNetV2Weights, MobileNetV2Explainable, MOBILENETV2_INPUT_SIZE, type MobileNetV2BackboneConfig } from './cnn/index.js';
import type { ExplainableModel } from './explainable-model.js';
import { vitConfigFromStateDict } from './load-backbone.js';
import type { StateDict } from './state-dict.js';
import type { VitConfig } from './vit-config.js';
import type { LinearHead } from './vit-graph.js';
import { VitModel } from './vit-model.js';
import { loadWeights } from './weights/index.js';

/** What a head records as `backbone.config`: the VitConfig of a ViT, or MobileNetV2's own. */
export type BackboneConfig = VitConfig | MobileNetV2BackboneConfig;

export interface LoadExplainableOptions {
  /** The kind the caller expects; one the tensors do not show is a ModelMismatchError. Default: the detected kind. */
  readonly backbone?: BackboneKind;
  /** Input side in pixels: a multiple of the ViT patch or of MobileNetV2's stride 32; default the training size (224 for MobileNetV2). */
  readonly inputSize?: number;
  /** onnxruntime intra-op threads (default the model's, 2). */
  readonly threads?: number;
  /** ViT attention heads (not stored in the weights; default dim / 64). */
  readonly heads?: number;
  /** A linear head; `features` 'clsLast4' needs a ViT. Needed for logits and the input gradient. */
  readonly head?: LinearHead;
}

export interface LoadedExplainableBackbone {
  readonly model: ExplainableModel;
  readonly kind: BackboneKind;
  readonly config: BackboneConfig;
  /** SHA-256 of the weights file (of a .npy folder: its sorted "file<TAB>sha256" lines). */
  readonly sha256: string;
  readonly weightsPath: string;
}

/** The kind the tensors show; with `expected`, a ModelMismatchError naming the file and both kinds when they differ. */
export function ensureBackboneKind(stateDict: StateDict, file: string, expected?: BackboneKind): BackboneKind {
  const detected = detectBackboneKind(stateDict);
  if (expected === undefined) return detected;
  ensureOneOf(expected, 'the backbone kind', BACKBONE_KINDS);
  if (expected !== detected) throw new ModelMismatchError(`the weights ${file} hold a ${detected} backbone, but ${expected} was asked for`);
  return detected;
}

/**
 * Loads a DINO/timm or DINOv2 ViT (.pth, safetensors, .npy) or a MobileNetV2 (.npy folder), checks it
 * (every missing or mis-shaped tensor at once) and builds the model. No session is started yet.
 *
 * @example const { model, kind, config } = await loadExplainableBackbone('/data/mobilenetv2-imagenet', { backbone: 'mobilenetv2' });
 */
export async function loadExplainableBackbone(weightsPath: string, options: LoadExplainableOptions = {}): Promise<LoadedExplainableBackbone> {
  return explainableFromWeights(await loadWeights(weightsPath), weightsPath, options);
}

/** loadExplainableBackbone on weights already read (loadClassifier reads them once for the SHA-256 check too). */
export async function explainableFromWeights(
  loaded: { readonly stateDict: StateDict; readonly sha256: string },
  weightsPath: string,
  options: LoadExplainableOptions = {},
): Promise<LoadedExplainableBackbone> {
  const kind = ensureBackboneKind(loaded.stateDict, weightsPath, options.backbone);
  const threads = options.threads ? { threads: options.threads } : {};
  if (kind === 'mobilenetv2') {
    checkMobileNetV2Weights(loaded.stateDict, MOBILENETV2_IMAGENET_LAYOUT, weightsPath);
    if (options.head && options.head.features !== 'cls') throw new ModelMismatchError(`a head on '${options.head.features}' features needs a ViT, but ${weightsPath} holds a MobileNetV2 (its head reads the pooled feature, 'cls')`);
    const model = await MobileNetV2Explainable.create(loaded.stateDict, {
      inputSize: options.inputSize ?? MOBILENETV2_INPUT_SIZE, ...threads, ...(options.head ? { head: { weight: options.head.weight, bias: options.head.bias } } : {}),
    });
    return { model, kind, config: model.backboneConfig, sha256: loaded.sha256, weightsPath };
  }
  const config = vitConfigFromStateDict(loaded.stateDict, { file: weightsPath, backbone: kind, ...(options.heads ? { heads: options.heads } : {}) });
  const model = await VitModel.create(loaded.stateDict, config, { inputSize: options.inputSize ?? config.imageSize, ...threads, ...(options.head ? { head: options.head } : {}) });
  return { model, kind, config, sha256: loaded.sha256, weightsPath };
}
