import sharp from 'sharp';
import { createImageTensor, ensure, ensureImage, ensureInteger, ensureNumber, type ImageTensor } from '../core/index.js';

/** A rectangle inside an image, in pixels. */
export interface CropRect {
  readonly top: number;
  readonly left: number;
  readonly rows: number;
  readonly cols: number;
}

/** Per-channel normalisation applied to backbone inputs: (x - mean) / std. */
export interface ChannelNormalisation {
  readonly mean: readonly number[];
  readonly std: readonly number[];
}

/** ImageNet statistics, the ones DINO was trained with; a fallback when no training split is at hand. */
export const IMAGENET_NORMALISATION: ChannelNormalisation = Object.freeze({
  mean: Object.freeze([0.485, 0.456, 0.406]),
  std: Object.freeze([0.229, 0.224, 0.225]),
});

/** Copies a rectangle out of an image. */
export function cropImage(image: ImageTensor, crop: CropRect): ImageTensor {
  ensureImage(image);
  const inside = crop.top >= 0 && crop.left >= 0 && crop.rows > 0 && crop.cols > 0 && crop.top + crop.rows <= image.rows && crop.left + crop.cols <= image.cols;
  ensure(inside, `a rectangle inside ${image.rows}x${image.cols}`, 'the crop', JSON.stringify(crop));
  const out = createImageTensor(image.channels, crop.rows, crop.cols);
  for (let c = 0; c < image.channels; c++) {
    for (let y = 0; y < crop.rows; y++) {
      const from = (c * image.rows + crop.top + y) * image.cols + crop.left;
      out.data.set(image.data.subarray(from, from + crop.cols), (c * crop.rows + y) * crop.cols);
    }
  }
  return out;
}

/**
 * Resizes an image to rows x cols with sharp's Lanczos-3 kernel, which low-pass filters when it shrinks
 * (bilinear sampling of a 1000-pixel photo down to 224 would alias). Values go through 16-bit samples
 * because sharp's resampler does not keep float input; libvips' fixed-point kernels add errors of about
 * 2e-4, far below one 8-bit step (4e-3). Lanczos overshoot is clamped to [0, 1].
 */
export async function resizeImage(image: ImageTensor, rows: number, cols = rows): Promise<ImageTensor> {
  ensureImage(image);
  ensureInteger(rows, 'the output rows', { min: 1 });
  ensureInteger(cols, 'the output cols', { min: 1 });
  if (image.rows === rows && image.cols === cols) return createImageTensor(image.channels, rows, cols, image.data.slice());
  const channels = image.channels === 1 ? 1 : 3;
  ensure(image.channels === 1 || image.channels === 3, '1 or 3 channels', 'the image to resize', image.channels);
  const plane = image.rows * image.cols;
  const interleaved = new Uint16Array(plane * channels);
  for (let c = 0; c < channels; c++) {
    for (let i = 0; i < plane; i++) interleaved[i * channels + c] = Math.round(Math.min(1, Math.max(0, image.data[c * plane + i]!)) * 65535);
  }
  const { data } = await sharp(interleaved, { raw: { width: image.cols, height: image.rows, channels } })
    .toColourspace(channels === 1 ? 'grey16' : 'rgb16')
    .resize(cols, rows, { fit: 'fill', kernel: 'lanczos3' })
    .raw({ depth: 'ushort' })
    .toBuffer({ resolveWithObject: true });
  const samples = new Uint16Array(data.buffer, data.byteOffset, data.length / 2);
  const out = createImageTensor(channels, rows, cols);
  const outPlane = rows * cols;
  for (let c = 0; c < channels; c++) {
    for (let i = 0; i < outPlane; i++) out.data[c * outPlane + i] = samples[i * channels + c]! / 65535;
  }
  return out;
}

/** Checks a normalisation: 3 finite means, 3 positive standard deviations. */
export function ensureNormalisation(normalisation: ChannelNormalisation, what = 'the normalisation'): void {
  ensure(Array.isArray(normalisation.mean) && normalisation.mean.length === 3, '3 channel means', `${what}'s mean`, normalisation.mean);
  ensure(Array.isArray(normalisation.std) && normalisation.std.length === 3, '3 channel standard deviations', `${what}'s std`, normalisation.std);
  normalisation.mean.forEach((value, c) => ensureNumber(value, `${what}'s mean[${c}]`));
  normalisation.std.forEach((value, c) => ensureNumber(value, `${what}'s std[${c}]`, { min: Number.MIN_VALUE }));
}

/**
 * Packs same-size 3-channel images into one [B, 3, S, S] array in the backbone's input space,
 * (x - mean[c]) / std[c], the layout ONNX runtimes expect.
 */
export function imageToBatch(images: readonly ImageTensor[], normalisation: ChannelNormalisation): Float32Array {
  ensureNormalisation(normalisation);
  if (images.length === 0) return new Float32Array(0);
  const { rows, cols } = images[0]!;
  const plane = rows * cols;
  const batch = new Float32Array(images.length * 3 * plane);
  images.forEach((image, b) => {
    ensureImage(image, `image ${b} of the batch`);
    ensure(image.channels === 3 && image.rows === rows && image.cols === cols, `3x${rows}x${cols}`, `image ${b} of the batch`, `${image.channels}x${image.rows}x${image.cols}`);
    for (let c = 0; c < 3; c++) {
      const mean = normalisation.mean[c]!;
      const inverseStd = 1 / normalisation.std[c]!;
      const offset = (b * 3 + c) * plane;
      for (let i = 0; i < plane; i++) batch[offset + i] = (image.data[c * plane + i]! - mean) * inverseStd;
    }
  });
  return batch;
}
