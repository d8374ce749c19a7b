/**
 * DINOv2 tensor names (Oquab et al. 2023) and how they reach the one internal naming, which is the official
 * checkpoints' own (`dinov2_vits14_pretrain.pth`: `blocks.N.ls1.gamma`, `register_tokens`, `mask_token`, ...).
 * Hugging Face `facebook/dinov2-small` (transformers' modeling_dinov2.py) names the same tensors differently:
 * `embeddings.*`, `encoder.layer.N.norm1`, `attention.attention.query/key/value` (fused into `attn.qkv` by
 * weights/names.ts), `layer_scale1.lambda1`, `mlp.fc1`, `layernorm`.
 */

/** Hugging Face Dinov2Layer names within a block, to the official ones (the attention output is renamed with ViT's). */
export const DINOV2_HF_BLOCK_RENAMES: ReadonlyArray<[string, string]> = [
  ['norm1.', 'norm1.'],
  ['norm2.', 'norm2.'],
  ['mlp.fc1.', 'mlp.fc1.'],
  ['mlp.fc2.', 'mlp.fc2.'],
  ['layer_scale1.lambda1', 'ls1.gamma'],
  ['layer_scale2.lambda1', 'ls2.gamma'],
];

/** Hugging Face Dinov2Embeddings tensors that ViT's table does not have. */
export const DINOV2_HF_TOP_RENAMES: Readonly<Record<string, string>> = {
  'embeddings.mask_token': 'mask_token',
  'embeddings.register_tokens': 'register_tokens',
};

/** DINOv2 training wrappers: Dinov2ForImageClassification keeps the backbone under `dinov2.`. */
export const DINOV2_WRAPPER_PREFIXES = ['dinov2.'];

/** Parts of a DINOv2 training checkpoint that are not the backbone (the teacher's DINO and iBOT heads). */
export const DINOV2_NON_BACKBONE_PREFIXES = ['dino_head.', 'ibot_head.'];

/**
 * Checkpoints saved with block_chunks > 0 (DINOv2's FSDP training layout) nest each block in its chunk,
 * `blocks.CHUNK.N.`, with N the block's own index: drop the chunk.
 */
export function unchunkBlockName(name: string): string {
  const chunked = /^blocks\.\d+\.(\d+)\.(.*)$/.exec(name);
  return chunked ? `blocks.${chunked[1]}.${chunked[2]}` : name;
}

/** Names only a DINOv2 checkpoint has, after renaming: LayerScale, the register tokens, the mask token. */
export function isDinov2TensorName(name: string): boolean {
  return name === 'mask_token' || name === 'register_tokens' || /^blocks\.\d+\.ls[12]\.gamma$/.test(name);
}
