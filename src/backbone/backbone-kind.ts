/**
 * Which backbone a weights file holds: a DINO/timm ViT, a DINOv2 ViT, or a MobileNetV2 (folded-BatchNorm
 * convolutions named `conv_N_weight` / `conv_N_bias`). The kind is read from the tensor names, so a file
 * never needs to say what it is, and from a head file's recorded backbone config, so a head says what it needs.
 */
import { detectVitBackbone } from './dinov2/check.js';
import type { StateDict } from './state-dict.js';
import { VIT_BACKBONES, type VitBackbone } from './vit-config.js';

export const BACKBONE_KINDS = ['vit-dino', 'dinov2', 'mobilenetv2'] as const;
export type BackboneKind = (typeof BACKBONE_KINDS)[number];

const CONV_NAME = /^conv_\d+_(weight|bias)$/;

/** A ViT kind (the two families the ViT graph builds), as opposed to a CNN. */
export function isVitKind(kind: BackboneKind): kind is VitBackbone {
  return (VIT_BACKBONES as readonly string[]).includes(kind);
}

/**
 * The kind of the tensors: MobileNetV2 when they hold `conv_0_weight` and other `conv_N_` tensors but no
 * ViT patch embedding; otherwise the ViT family `detectVitBackbone` sees (DINOv2 by its LayerScale,
 * register or mask tokens).
 *
 * @example detectBackboneKind((await loadWeights('mobilenetv2-imagenet')).stateDict) // 'mobilenetv2'
 */
export function detectBackboneKind(stateDict: StateDict): BackboneKind {
  const names = [...stateDict.keys()];
  const convs = names.filter((name) => CONV_NAME.test(name)).length;
  if (stateDict.has('conv_0_weight') && convs >= 2 && !stateDict.has('patch_embed.proj.weight')) return 'mobilenetv2';
  return detectVitBackbone(stateDict);
}

/**
 * The kind a head file's `backbone.config` records: `{ kind: 'mobilenetv2', ... }` for a CNN, else a ViT
 * config whose `backbone` says 'dinov2' or nothing (heads trained before CNNs existed are ViT heads).
 */
export function backboneKindOfConfig(config: unknown): BackboneKind {
  const record = (typeof config === 'object' && config !== null ? config : {}) as { kind?: unknown; backbone?: unknown };
  if (record.kind === 'mobilenetv2') return 'mobilenetv2';
  return record.backbone === 'dinov2' ? 'dinov2' : 'vit-dino';
}
