/** A named float32 tensor as read from a weights file (any source dtype is converted to float32 on load). */
export interface NamedTensor {
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

/** Tensors by their DINO/timm names (`blocks.0.attn.qkv.weight`, ...), after any renaming and prefix stripping. */
export type StateDict = Map<string, NamedTensor>;

export function tensorSize(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}
