/**
 * The vocabulary shared by every stage. Images are channel-first (C, rows, cols) float32;
 * masks are rows x cols Uint8Array of 0/1; maps (relevance, features) are rows x cols float32.
 */
export interface ImageTensor {
  readonly data: Float32Array;
  readonly channels: number;
  readonly rows: number;
  readonly cols: number;
}

export interface Mask {
  readonly data: Uint8Array;
  readonly rows: number;
  readonly cols: number;
}

/** A 2-D scalar field over an image: relevance, a ViT feature map, a fused map, a soft mask. */
export interface ScalarMap {
  readonly data: Float32Array;
  readonly rows: number;
  readonly cols: number;
}

/** The token grid of a ViT input: rows x cols patches, row-major (N = rows * cols patch tokens). */
export interface PatchGrid {
  readonly rows: number;
  readonly cols: number;
}

export function createImageTensor(channels: number, rows: number, cols: number, data?: Float32Array): ImageTensor {
  return { data: data ?? new Float32Array(channels * rows * cols), channels, rows, cols };
}

export function createMask(rows: number, cols: number, data?: Uint8Array): Mask {
  return { data: data ?? new Uint8Array(rows * cols), rows, cols };
}

export function createScalarMap(rows: number, cols: number, data?: Float32Array): ScalarMap {
  return { data: data ?? new Float32Array(rows * cols), rows, cols };
}
