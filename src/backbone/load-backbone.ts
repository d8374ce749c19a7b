/**
 * A DINO-layout ViT (DINO/timm or DINOv2) from a weights file: the config its tensors imply (checked tensor
 * by tensor), and the runner built from it. Every command that needs a backbone goes through here.
 */
import { ensureOneOf, WeightsError } from '../core/index.js';
import type { StateDict } from './state-dict.js';
import { VIT_BACKBONES, type VitBackbone, type VitConfig } from './vit-config.js';
import { VitModel } from './vit-model.js';
import { checkVitStateDict, inferVitConfig, loadWeights, type VitWeightsConfig } from './weights/index.js';
import { checkDinov2StateDict, detectVitBackbone, inferDinov2Config } from './dinov2/index.js';

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
  /** The ViT family; default the one the tensors show (DINOv2 by its LayerScale, register or mask tokens). */
  backbone?: VitBackbone;
}

export interface VitConfigFromStateDictOptions {
  heads?: number;
  file?: string;
  /** Check the tensors against this family instead of the detected one (its own tensors then show as unexpected or missing). */
  backbone?: VitBackbone;
}

/**
 * The runner's config from the shapes in the state dict, for the family its tensors show or `options.backbone`:
 * a DINOv2 file gives `backbone: 'dinov2'` and its `registers`; DINO/timm ViTs and DINOv2 use LayerNorm eps 1e-6.
 */
export function vitConfigFromStateDict(stateDict: StateDict, options: VitConfigFromStateDictOptions = {}): VitConfig {
  const backbone = ensureOneOf(options.backbone ?? detectVitBackbone(stateDict), 'the ViT backbone', VIT_BACKBONES);
  const file = options.file ?? 'state dict';
  if (backbone === 'vit-dino') {
    const inferred = inferVitConfig(stateDict, options);
    const config = runnerConfig(inferred, file);
    checkVitStateDict(stateDict, inferred, { file });
    return config;
  }
  const inferred = inferDinov2Config(stateDict, options);
  const config = runnerConfig(inferred, file);
  checkDinov2StateDict(stateDict, inferred, { file });
  return { ...config, backbone, registers: inferred.registers };
}

function runnerConfig(inferred: VitWeightsConfig, file: string): VitConfig {
  if (inferred.imageSize === undefined) throw new WeightsError(file, [`expected a square position embedding but received ${inferred.numPatches} patch positions`]);
  if (inferred.inChannels !== 3) throw new WeightsError(file, [`expected 3 input channels but received ${inferred.inChannels}`]);
  return {
    patchSize: inferred.patchSize, dim: inferred.dim, depth: inferred.depth, heads: inferred.heads,
    mlpRatio: inferred.mlpDim / inferred.dim, imageSize: inferred.imageSize, layerNormEps: 1e-6,
  };
}

/**
 * Loads a DINO-layout ViT (Caron et al. 2021) or a DINOv2 ViT (Oquab et al. 2023) from .pth, safetensors or
 * .npy, infers and checks its config (every missing or mis-shaped tensor reported at once), and builds the
 * runner. No session is started yet.
 */
export async function loadBackbone(weightsPath: string, options: LoadBackboneOptions = {}): Promise<LoadedBackbone> {
  const loaded = await loadWeights(weightsPath);
  const config = vitConfigFromStateDict(loaded.stateDict, {
    file: weightsPath, ...(options.heads ? { heads: options.heads } : {}), ...(options.backbone ? { backbone: options.backbone } : {}),
  });
  const model = await VitModel.create(loaded.stateDict, config, {
    inputSize: options.inputSize ?? config.imageSize,
    ...(options.threads ? { threads: options.threads } : {}),
  });
  return { model, config, sha256: loaded.sha256, weightsPath };
}
