import { createScalarMap, ensure, ensureImage, type ImageTensor, type ScalarMap } from '../core/index.js';

/** ITU-R BT.601 luma weights as used by scikit-image's `rgb2gray` (R, G, B). */
export const LUMA_WEIGHTS = Object.freeze([0.2125, 0.7154, 0.0721] as const);

/**
 * Collapse a channel-first image to one plane: `0.2125 R + 0.7154 G + 0.0721 B` (scikit-image `rgb2gray`,
 * ITU-R BT.601). A one-channel image is copied unchanged.
 *
 * @example toGrayscale(createImageTensor(3, 2, 2, pixels)) // ScalarMap 2x2
 */
export function toGrayscale(image: ImageTensor): ScalarMap {
  ensureImage(image);
  ensure(image.channels === 1 || image.channels === 3, '1 or 3 channels', 'the image to convert to grayscale', image.channels);
  const plane = image.rows * image.cols;
  if (image.channels === 1) return createScalarMap(image.rows, image.cols, Float32Array.from(image.data));
  const out = createScalarMap(image.rows, image.cols);
  const [wr, wg, wb] = LUMA_WEIGHTS;
  const src = image.data;
  for (let i = 0; i < plane; i++) {
    out.data[i] = wr * src[i]! + wg * src[plane + i]! + wb * src[2 * plane + i]!;
  }
  return out;
}
