/**
 * The backbone side of the TokenCut / MaskCut baselines: resize and normalise the image for the ViT, get the
 * last block's keys and lay them out as TokenCut does, one row per patch with the heads concatenated.
 */
import {
  createImageTensor, createStopwatch, ensure, ensureImage, ensureInteger, SizeMismatchError, type ImageTensor,
} from '../../core/index.js';
import type { ExplainableModel } from '../../backbone/explainable-model.js';
import { IMAGENET_NORMALISATION, imageToBatch, resizeImage, type ChannelNormalisation } from '../../data/index.js';
import type { PatchGrid } from '../../core/index.js';

/**
 * Keys of the last block for a batch of normalised pixels [batch, 3, rows, cols]: [batch, heads, 1 + N, headDim]
 * with the CLS token first. Injected so tests can plant objects; the default is `model.forward(..., ['keys'])`.
 */
export type KeysFn = (pixels: Float32Array, batch: number) => Promise<Float32Array>;

/** The default KeysFn: one forward run of the model asking only for the keys. */
export function vitKeysFn(model: ExplainableModel): KeysFn {
  return async (pixels, batch) => {
    const { keys } = await model.forward(pixels, batch, ['keys']);
    ensure(keys !== undefined, 'keys from the backbone', 'the forward output', keys);
    return keys!;
  };
}

export interface KeysLayout {
  readonly heads: number;
  /** Patch tokens N (the CLS token comes on top of these). */
  readonly patches: number;
  readonly headDim: number;
}

/**
 * One image's keys [heads, 1 + N, headDim] -> [N, heads * headDim] without the CLS token, the layout of
 * TokenCut's `k.transpose(1, 2).reshape(bs, tokens, -1)[:, 1:]` (Wang et al., CVPR 2022): row n holds head
 * 0's key of patch n, then head 1's, and so on.
 *
 * @example patchKeysAcrossHeads(keys, { heads: 6, patches: 196, headDim: 64 }) // 196 x 384 values
 */
export function patchKeysAcrossHeads(keys: Float32Array, layout: KeysLayout): Float32Array {
  const { heads, patches, headDim } = layout;
  ensureInteger(heads, 'the key heads', { min: 1 });
  ensureInteger(patches, 'the key patches', { min: 1 });
  ensureInteger(headDim, 'the key head width', { min: 1 });
  const tokens = patches + 1;
  if (!(keys instanceof Float32Array) || keys.length !== heads * tokens * headDim) {
    throw new SizeMismatchError(`expected ${heads * tokens * headDim} values ([${heads}, ${tokens}, ${headDim}]) for the keys but received ${keys?.length}`);
  }
  const width = heads * headDim;
  const out = new Float32Array(patches * width);
  for (let h = 0; h < heads; h++) {
    for (let n = 0; n < patches; n++) {
      const from = (h * tokens + n + 1) * headDim;
      out.set(keys.subarray(from, from + headDim), n * width + h * headDim);
    }
  }
  return out;
}

/** Grayscale (1 channel) becomes 3 identical channels, as the data/ loaders do; 3 channels pass through. */
export function asThreeChannels(image: ImageTensor): ImageTensor {
  ensureImage(image);
  if (image.channels === 3) return image;
  ensure(image.channels === 1, '1 or 3 channels', 'the baseline image', image.channels);
  const plane = image.rows * image.cols;
  const data = new Float32Array(3 * plane);
  for (let c = 0; c < 3; c++) data.set(image.data, c * plane);
  return createImageTensor(3, image.rows, image.cols, data);
}

export interface PatchKeysRequest {
  readonly model: ExplainableModel;
  /** Default ImageNet mean/std, the backbone's pre-training normalisation. */
  readonly normalisation?: ChannelNormalisation;
  /** Default `vitKeysFn(model)`. */
  readonly keys?: KeysFn;
}

export interface PatchKeys {
  /** [N, heads * headDim], N = grid.rows x grid.cols. */
  readonly keys: Float32Array;
  readonly grid: PatchGrid;
  /** The 3-channel image at the model's input size (the CRF runs on it for MaskCut). */
  readonly resized: ImageTensor;
  readonly timingsMs: { readonly resize: number; readonly backbone: number };
}

/** Resize to the model input (Lanczos, as CutLER's PIL resize), normalise, run the backbone, lay out the keys. */
export async function patchKeysFor(image: ImageTensor, request: PatchKeysRequest): Promise<PatchKeys> {
  const { model } = request;
  const clock = createStopwatch();
  const resized = await resizeImage(asThreeChannels(image), model.rows, model.cols);
  const pixels = imageToBatch([resized], request.normalisation ?? IMAGENET_NORMALISATION);
  clock.lap('resize');
  const raw = await (request.keys ?? vitKeysFn(model))(pixels, 1);
  const { patchSize, heads, dim } = model.config;
  const grid = { rows: model.rows / patchSize, cols: model.cols / patchSize };
  const keys = patchKeysAcrossHeads(raw, { heads, patches: grid.rows * grid.cols, headDim: dim / heads });
  clock.lap('backbone');
  return { keys, grid, resized, timingsMs: { resize: clock.timings.resize!, backbone: clock.timings.backbone! } };
}
