import { WeightsError } from '../../core/errors.js';
import { weightsProblem } from './problem.js';
import { tensorSize, type NamedTensor, type StateDict } from '../state-dict.js';

/** The ViT hyper-parameters a state dict determines (ViT: Dosovitskiy et al. 2021; DINO: Caron et al. 2021). */
export interface VitWeightsConfig {
  readonly patchSize: number;
  readonly dim: number;
  readonly depth: number;
  readonly heads: number;
  readonly mlpDim: number;
  readonly inChannels: number;
  /** Patch tokens in the stored position embedding (196 for 224x224 at patch 16); the CLS token is extra. */
  readonly numPatches: number;
  /** Side of the square input the position embedding was trained for, or undefined when not square. */
  readonly imageSize: number | undefined;
  readonly qkvBias: boolean;
}

/** What the check needs; a runner's own config type with these fields can be passed as it is. */
export type VitShapeConfig = Pick<VitWeightsConfig, 'patchSize' | 'dim' | 'depth' | 'numPatches'> &
  Partial<Pick<VitWeightsConfig, 'mlpDim' | 'inChannels' | 'qkvBias'>>;

/**
 * Infer the ViT config from tensor shapes. Heads are not stored in the weights: DINO/timm ViTs use a head
 * dimension of 64 (ViT-S/16: dim 384, 6 heads), so heads = dim / 64 unless `options.heads` says otherwise;
 * a dim below 64 (test models) gets one head.
 */
export function inferVitConfig(stateDict: StateDict, options: { heads?: number; file?: string } = {}): VitWeightsConfig {
  const file = options.file ?? 'state dict';
  const patch = stateDict.get('patch_embed.proj.weight');
  const position = stateDict.get('pos_embed');
  if (!patch || patch.shape.length !== 4 || !position || position.shape.length !== 3) {
    throw weightsProblem(file, 'cannot infer a ViT config: expected patch_embed.proj.weight [dim, channels, patch, patch] and pos_embed [1, tokens, dim]');
  }
  const [dim, inChannels, patchSize] = patch.shape as [number, number, number, number];
  const blockIndices = [...stateDict.keys()].map((name) => /^blocks\.(\d+)\./.exec(name)?.[1]).filter((i) => i !== undefined).map(Number);
  const depth = blockIndices.length > 0 ? Math.max(...blockIndices) + 1 : 0;
  const numPatches = position.shape[1]! - 1;
  const grid = Math.round(Math.sqrt(numPatches));
  return {
    patchSize,
    dim,
    depth,
    heads: options.heads ?? (dim % 64 === 0 ? dim / 64 : 1),
    mlpDim: stateDict.get('blocks.0.mlp.fc1.weight')?.shape[0] ?? 4 * dim,
    inChannels,
    numPatches,
    imageSize: grid * grid === numPatches ? grid * patchSize : undefined,
    qkvBias: stateDict.has('blocks.0.attn.qkv.bias'),
  };
}

/** Every tensor name and shape a DINO/timm ViT with this config has. */
export function expectedVitShapes(config: VitShapeConfig): Map<string, number[]> {
  const { dim, patchSize, depth, numPatches } = config;
  const mlp = config.mlpDim ?? 4 * dim;
  const shapes = new Map<string, number[]>([
    ['cls_token', [1, 1, dim]],
    ['pos_embed', [1, numPatches + 1, dim]],
    ['patch_embed.proj.weight', [dim, config.inChannels ?? 3, patchSize, patchSize]],
    ['patch_embed.proj.bias', [dim]],
  ]);
  for (let block = 0; block < depth; block++) {
    const layers: Array<[string, number[], number[] | undefined]> = [
      ['norm1', [dim], [dim]],
      ['attn.qkv', [3 * dim, dim], config.qkvBias === false ? undefined : [3 * dim]],
      ['attn.proj', [dim, dim], [dim]],
      ['norm2', [dim], [dim]],
      ['mlp.fc1', [mlp, dim], [mlp]],
      ['mlp.fc2', [dim, mlp], [dim]],
    ];
    for (const [layer, weight, bias] of layers) {
      shapes.set(`blocks.${block}.${layer}.weight`, weight);
      if (bias) shapes.set(`blocks.${block}.${layer}.bias`, bias);
    }
  }
  shapes.set('norm.weight', [dim]).set('norm.bias', [dim]);
  return shapes;
}

/**
 * Compare a state dict with the tensors a ViT of `config` needs; throw ONE WeightsError listing every
 * missing, unexpected and mis-shaped tensor (expected vs received shape), so a user fixes all at once.
 */
export function checkVitStateDict(stateDict: StateDict, config: VitShapeConfig, options: { file?: string } = {}): void {
  const problems = shapeProblems(stateDict, expectedVitShapes(config));
  if (problems.length > 0) throw new WeightsError(options.file ?? 'state dict', problems);
}

/**
 * Every missing, mis-shaped and unexpected tensor of a state dict against the expected shapes, as messages;
 * `optional` tensors (DINOv2's mask token) are shape-checked when present and neither missing nor unexpected.
 */
export function shapeProblems(stateDict: StateDict, expected: ReadonlyMap<string, number[]>, optional: ReadonlyMap<string, number[]> = new Map()): string[] {
  const problems: string[] = [];
  for (const [name, shape] of expected) {
    const tensor = stateDict.get(name);
    if (!tensor) problems.push(`missing tensor ${name} [${shape.join(', ')}]`);
    else problems.push(...tensorProblems(name, tensor, shape));
  }
  for (const [name, tensor] of stateDict) {
    if (optional.has(name)) problems.push(...tensorProblems(name, tensor, optional.get(name)!));
    else if (!expected.has(name)) problems.push(`unexpected tensor ${name} [${tensor.shape.join(', ')}]`);
  }
  return problems;
}

function tensorProblems(name: string, tensor: NamedTensor, shape: readonly number[]): string[] {
  if (!sameShape(tensor.shape, shape)) return [`expected shape [${shape.join(', ')}] for ${name} but received [${tensor.shape.join(', ')}]`];
  if (tensor.data.length !== tensorSize(shape)) return [`expected ${tensorSize(shape)} values for ${name} but received ${tensor.data.length}`];
  return [];
}

/** The name docs/architecture.md uses for the same check. */
export const validateVitStateDict = checkVitStateDict;

export function countParameters(stateDict: StateDict): number {
  let total = 0;
  for (const tensor of stateDict.values()) total += tensor.data.length;
  return total;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
