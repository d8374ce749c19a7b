/**
 * What a DINOv2 state dict determines and must hold (Oquab et al. 2023): the ViT tensors of
 * weights/vit-check.ts plus LayerScale per block (`blocks.N.ls1.gamma`, `blocks.N.ls2.gamma`, [dim]),
 * the register tokens when there are any (`register_tokens` [1, R, dim]) and the mask token
 * (`mask_token` [1, dim]), which only masked pretraining uses: shape-checked when present, never required.
 */
import { WeightsError } from '../../core/errors.js';
import type { StateDict } from '../state-dict.js';
import type { VitBackbone } from '../vit-config.js';
import { expectedVitShapes, inferVitConfig, shapeProblems, type VitShapeConfig, type VitWeightsConfig } from '../weights/vit-check.js';
import { isDinov2TensorName } from './names.js';

export interface Dinov2WeightsConfig extends VitWeightsConfig {
  /** Register tokens after the CLS token (dinov2_vits14_reg4: 4), 0 without `register_tokens`. */
  readonly registers: number;
}

/** The ViT family a state dict (in internal names) belongs to: DINOv2 when any of its own tensors is there. */
export function detectVitBackbone(stateDict: StateDict): VitBackbone {
  for (const name of stateDict.keys()) if (isDinov2TensorName(name)) return 'dinov2';
  return 'vit-dino';
}

/**
 * The DINOv2 config from tensor shapes: as inferVitConfig (heads = dim / 64 unless given: ViT-S/14 has
 * dim 384 and 6 heads), plus the register count from `register_tokens` [1, R, dim].
 */
export function inferDinov2Config(stateDict: StateDict, options: { heads?: number; file?: string } = {}): Dinov2WeightsConfig {
  const registers = stateDict.get('register_tokens');
  return { ...inferVitConfig(stateDict, options), registers: registers?.shape.length === 3 ? registers.shape[1]! : 0 };
}

/** Every tensor name and shape a DINOv2 ViT with this config must have (the mask token is optional). */
export function expectedDinov2Shapes(config: VitShapeConfig & { readonly registers: number }): Map<string, number[]> {
  const shapes = expectedVitShapes(config);
  for (let block = 0; block < config.depth; block++) {
    shapes.set(`blocks.${block}.ls1.gamma`, [config.dim]).set(`blocks.${block}.ls2.gamma`, [config.dim]);
  }
  if (config.registers > 0) shapes.set('register_tokens', [1, config.registers, config.dim]);
  return shapes;
}

/**
 * Compare a state dict with the tensors a DINOv2 ViT of `config` needs; throw ONE WeightsError listing every
 * missing, unexpected and mis-shaped tensor, in the format of checkVitStateDict.
 */
export function checkDinov2StateDict(stateDict: StateDict, config: VitShapeConfig & { readonly registers: number }, options: { file?: string } = {}): void {
  const optional = new Map([['mask_token', [1, config.dim]]]);
  const problems = shapeProblems(stateDict, expectedDinov2Shapes(config), optional);
  if (problems.length > 0) throw new WeightsError(options.file ?? 'state dict', problems);
}
