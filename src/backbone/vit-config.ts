/**
 * Vision Transformer configuration (Dosovitskiy et al. 2021) in the DINO/timm layout
 * (Caron et al., "Emerging Properties in Self-Supervised Vision Transformers", 2021), and the DINOv2
 * variant of it (Oquab et al., "DINOv2: Learning Robust Visual Features without Supervision", 2023;
 * registers: Darcet et al., "Vision Transformers Need Registers", 2024).
 */
import { ensure, ensureInteger, ensureNumber, ensureOneOf } from '../core/index.js';

/** The ViT families the graph builds: DINO/timm, or DINOv2 (LayerScale in every block, optional register tokens). */
export const VIT_BACKBONES = ['vit-dino', 'dinov2'] as const;
export type VitBackbone = (typeof VIT_BACKBONES)[number];

export interface VitConfig {
  /** Patch side in pixels (8 or 16 for DINO's models). */
  readonly patchSize: number;
  /** Token width D. */
  readonly dim: number;
  /** Number of transformer blocks. */
  readonly depth: number;
  readonly heads: number;
  /** MLP hidden width = mlpRatio * dim. */
  readonly mlpRatio: number;
  /** The training input side; pos_embed holds (imageSize / patchSize)^2 + 1 positions. */
  readonly imageSize: number;
  /** LayerNorm epsilon; 1e-6 in DINO/timm ViTs and DINOv2. */
  readonly layerNormEps: number;
  /** 'vit-dino' (default) or 'dinov2': LayerScale (`ls1.gamma`, `ls2.gamma`) in every block. */
  readonly backbone?: VitBackbone;
  /** DINOv2 register tokens, placed after the CLS token without position embeddings (reg4: 4); default 0. */
  readonly registers?: number;
}

/** ViT-S/16 as trained by DINO. */
export const VIT_SMALL_16: VitConfig = Object.freeze({ patchSize: 16, dim: 384, depth: 12, heads: 6, mlpRatio: 4, imageSize: 224, layerNormEps: 1e-6 });

/** DINOv2 ViT-S/14 (dinov2_vits14): position embeddings for a 37x37 grid (518 px); a 224 input gives 16x16 patches. */
export const DINOV2_SMALL_14: VitConfig = Object.freeze({
  patchSize: 14, dim: 384, depth: 12, heads: 6, mlpRatio: 4, imageSize: 518, layerNormEps: 1e-6, backbone: 'dinov2', registers: 0,
});

/** Merge a partial config over ViT-S/16 and validate it. */
export function resolveVitConfig(partial: Partial<VitConfig> = {}): VitConfig {
  const config = { ...VIT_SMALL_16, ...partial };
  ensureInteger(config.patchSize, 'the ViT patch size', { min: 1 });
  ensureInteger(config.dim, 'the ViT width', { min: 1 });
  ensureInteger(config.depth, 'the ViT depth', { min: 1 });
  ensureInteger(config.heads, 'the ViT heads', { min: 1 });
  ensure(config.dim % config.heads === 0, `a width divisible by ${config.heads} heads`, 'the ViT width', config.dim);
  ensureNumber(config.mlpRatio, 'the ViT MLP ratio', { min: 0 });
  ensure(Number.isInteger(config.mlpRatio * config.dim), 'an integer MLP width', 'mlpRatio * dim', config.mlpRatio * config.dim);
  ensureInteger(config.imageSize, 'the ViT image size', { min: config.patchSize });
  ensure(config.imageSize % config.patchSize === 0, `a multiple of the patch size ${config.patchSize}`, 'the ViT image size', config.imageSize);
  ensureNumber(config.layerNormEps, 'the LayerNorm epsilon', { min: 0 });
  ensureOneOf(backboneOf(config), 'the ViT backbone', VIT_BACKBONES);
  ensureInteger(registersOf(config), 'the register tokens', { min: 0 });
  ensure(registersOf(config) === 0 || backboneOf(config) === 'dinov2', "the 'dinov2' backbone", 'register tokens', registersOf(config));
  return Object.freeze(config);
}

/** The config's ViT family; a config without one is a DINO/timm ViT. */
export function backboneOf(config: Pick<VitConfig, 'backbone'>): VitBackbone {
  return config.backbone ?? 'vit-dino';
}

export function registersOf(config: Pick<VitConfig, 'registers'>): number {
  return config.registers ?? 0;
}

/** Tokens per image entering the blocks: CLS, the registers, then the patches of a rows x cols input. */
export function tokenCount(config: VitConfig, size: { readonly rows: number; readonly cols: number }): number {
  return 1 + registersOf(config) + (size.rows / config.patchSize) * (size.cols / config.patchSize);
}

/** An input side, or rows and cols, in pixels (multiples of the patch), resolved against the config's imageSize. */
export function resolveInputSize(config: VitConfig, size: number | { readonly rows: number; readonly cols: number } = config.imageSize): { rows: number; cols: number } {
  const rows = typeof size === 'number' ? size : size.rows;
  const cols = typeof size === 'number' ? size : size.cols;
  for (const [side, what] of [[rows, 'the input rows'], [cols, 'the input cols']] as const) {
    ensureInteger(side, what, { min: config.patchSize });
    ensure(side % config.patchSize === 0, `a multiple of the patch size ${config.patchSize}`, what, side);
  }
  return { rows, cols };
}

export function headDim(config: VitConfig): number {
  return config.dim / config.heads;
}

/** Patches per side at the training size. */
export function trainingGridSide(config: VitConfig): number {
  return config.imageSize / config.patchSize;
}

/**
 * Every tensor a ViT of this config reads, by DINO/timm name (DINOv2 adds `blocks.N.ls1.gamma`, `blocks.N.ls2.gamma`
 * and `register_tokens`), with its shape. DINOv2's `mask_token` is not read: it only serves masked pretraining.
 */
export function vitTensorShapes(config: VitConfig): Map<string, number[]> {
  const { dim, patchSize, depth } = config;
  const hidden = config.mlpRatio * dim;
  const shapes = new Map<string, number[]>([
    ['cls_token', [1, 1, dim]],
    ['pos_embed', [1, trainingGridSide(config) ** 2 + 1, dim]],
    ['patch_embed.proj.weight', [dim, 3, patchSize, patchSize]],
    ['patch_embed.proj.bias', [dim]],
  ]);
  for (let i = 0; i < depth; i++) {
    const block = `blocks.${i}`;
    shapes.set(`${block}.norm1.weight`, [dim]).set(`${block}.norm1.bias`, [dim]);
    shapes.set(`${block}.attn.qkv.weight`, [3 * dim, dim]).set(`${block}.attn.qkv.bias`, [3 * dim]);
    shapes.set(`${block}.attn.proj.weight`, [dim, dim]).set(`${block}.attn.proj.bias`, [dim]);
    shapes.set(`${block}.norm2.weight`, [dim]).set(`${block}.norm2.bias`, [dim]);
    shapes.set(`${block}.mlp.fc1.weight`, [hidden, dim]).set(`${block}.mlp.fc1.bias`, [hidden]);
    shapes.set(`${block}.mlp.fc2.weight`, [dim, hidden]).set(`${block}.mlp.fc2.bias`, [dim]);
    if (backboneOf(config) === 'dinov2') shapes.set(`${block}.ls1.gamma`, [dim]).set(`${block}.ls2.gamma`, [dim]);
  }
  shapes.set('norm.weight', [dim]).set('norm.bias', [dim]);
  if (registersOf(config) > 0) shapes.set('register_tokens', [1, registersOf(config), dim]);
  return shapes;
}
