import { stat } from 'node:fs/promises';
import sharp from 'sharp';
import {
  createImageTensor, createMask, describeFileError, ensureInteger, ensureOneOf, ImageTooLargeError, InputFileError,
  type ImageTensor, type Mask,
} from '../../core/index.js';
import { compositeOntoBlack, OVERSIZE_POLICIES, sizePolicy, type ImageSize, type ReadImageOptions } from './image-limits.js';

export { DEFAULT_MAX_PIXELS, MIN_IMAGE_SIDE, OVERSIZE_POLICIES, type ReadImageOptions } from './image-limits.js';

/** An image read from disk, in [0, 1], always 3 channels, with what the file held originally. */
export interface LoadedImage extends ImageTensor {
  readonly sourceChannels: number;
  readonly bitDepth: 8 | 16;
  readonly format: string;
  /** The size stored in the file, when it was downscaled to fit the pixel limit (`oversize: 'downscale'`). */
  readonly scaledFrom?: ImageSize;
}

/** An image and what a user should hear about it (downscaled, tiny, transparent pixels). */
export interface CheckedImage {
  readonly image: LoadedImage;
  readonly warnings: string[];
}

export interface ReadMaskOptions {
  /** Values above this (on the file's 8-bit scale) are foreground. Default: 127 for JPEG (lossy edges), else 0. */
  threshold?: number;
}

interface RawPixels {
  data: Uint8Array | Uint16Array;
  rows: number;
  cols: number;
  /** Interleaved samples per pixel; 2 and 4 carry alpha last. */
  channels: number;
  bitDepth: 8 | 16;
}

interface Header {
  readonly size: ImageSize;
  readonly format: string;
  readonly sourceChannels: number;
  readonly hasAlpha: boolean;
  readonly sixteen: boolean;
}

/** Turns whatever sharp threw into a problem sentence a user can act on. */
function describeReadFailure(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (/unsupported image format/i.test(message)) return 'not an image (unsupported or unrecognised format)';
  if (/premature|truncat|corrupt|end of|read error|bad|invalid/i.test(message)) return `truncated or corrupt image data (${message})`;
  return `cannot be decoded as an image (${message})`;
}

/** "missing (no such file)" or "is a folder, not an image" before sharp says something vaguer. */
async function ensureFileExists(path: string): Promise<void> {
  let isFile = false;
  try {
    isFile = (await stat(path)).isFile();
  } catch (error) {
    throw new InputFileError(path, describeFileError(error, 'an image'), { cause: error });
  }
  if (!isFile) throw new InputFileError(path, 'is a folder, not an image');
}

async function readHeader(path: string): Promise<Header> {
  await ensureFileExists(path);
  try {
    const meta = await sharp(path).metadata();
    if (!meta.width || !meta.height) throw new Error('no size in header');
    // Pixels are read without EXIF auto-rotation, so the stored size is the one that matches them.
    const size = { rows: meta.height, cols: meta.width };
    const sourceChannels = (meta.channels ?? 3) - (meta.hasAlpha ? 1 : 0);
    return { size, format: meta.format ?? 'unknown', sourceChannels, hasAlpha: meta.hasAlpha === true, sixteen: meta.depth === 'ushort' };
  } catch (error) {
    throw new InputFileError(path, describeReadFailure(error), { cause: error });
  }
}

/**
 * Decodes to interleaved raw pixels, alpha kept (last) when the file has it, 16-bit samples kept when the file
 * has them: sharp converts to 8-bit sRGB unless told the 16-bit colour space, hence the explicit `toColourspace`.
 * 8-bit grey with alpha is left to sharp's sRGB, because converting it to 'b-w' drops the alpha.
 */
async function decodeRaw(path: string, header: Header, options: { resize?: ImageSize | undefined; sizeChecked?: boolean } = {}): Promise<RawPixels> {
  const { resize } = options;
  const grey = header.sourceChannels === 1;
  try {
    // Once our own pixel limit was checked on the header, sharp's fixed one (268 megapixels) must not contradict it.
    let pipeline = sharp(path, { failOn: 'truncated', ...(options.sizeChecked ? { limitInputPixels: false } : {}) });
    if (resize) pipeline = pipeline.resize(resize.cols, resize.rows, { fit: 'fill' });
    if (header.sixteen) pipeline = pipeline.toColourspace(grey ? 'grey16' : 'rgb16');
    else if (grey && !header.hasAlpha) pipeline = pipeline.toColourspace('b-w');
    const { data, info } = await pipeline.raw(header.sixteen ? { depth: 'ushort' } : {}).toBuffer({ resolveWithObject: true });
    const pixels = header.sixteen ? new Uint16Array(data.buffer, data.byteOffset, data.length / 2) : new Uint8Array(data.buffer, data.byteOffset, data.length);
    return { data: pixels, rows: info.height, cols: info.width, channels: info.channels, bitDepth: header.sixteen ? 16 : 8 };
  } catch (error) {
    throw new InputFileError(path, describeReadFailure(error), { cause: error });
  }
}

/**
 * Reads PNG (8/16-bit), JPEG or TIFF into a 3-channel (C, rows, cols) tensor in [0, 1], with the warnings a
 * user should see. Grey is replicated; transparent pixels are composited onto black (so the classifier never
 * sees the colour hidden under alpha 0). An image above `maxPixels` (default DEFAULT_MAX_PIXELS, 40 megapixels)
 * throws ImageTooLargeError, or is downscaled with a warning when `oversize` is 'downscale'; one smaller than
 * MIN_IMAGE_SIDE on a side is read with a warning. Library code: nothing is printed.
 *
 * @example const { image, warnings } = await readImageChecked('lesion.png'); warnings.forEach((w) => console.warn(w));
 */
export async function readImageChecked(path: string, options: ReadImageOptions = {}): Promise<CheckedImage> {
  const maxPixels = options.maxPixels === undefined ? undefined : ensureInteger(options.maxPixels, 'maxPixels', { min: 1 });
  const oversize = options.oversize === undefined ? 'refuse' : ensureOneOf(options.oversize, 'oversize', OVERSIZE_POLICIES);
  const header = await readHeader(path);
  const policy = sizePolicy(header.size, { maxPixels, oversize });
  if (policy.refuse) throw new ImageTooLargeError(path, header.size, policy.maxPixels);
  const raw = await decodeRaw(path, header, { resize: policy.resize, sizeChecked: true });
  const { image, transparent } = toTensor(raw);
  const warnings = policy.warnings.map((warning) => `${path}: ${warning}`);
  if (transparent > 0) warnings.push(`${path}: ${transparentText(transparent, raw.rows * raw.cols)}`);
  const loaded: LoadedImage = {
    ...image, sourceChannels: header.sourceChannels, bitDepth: raw.bitDepth, format: header.format,
    ...(policy.resize ? { scaledFrom: header.size } : {}),
  };
  return { image: loaded, warnings };
}

/** readImageChecked without the warnings in the result: they go to `options.onWarning` when given. */
export async function readImage(path: string, options: ReadImageOptions = {}): Promise<LoadedImage> {
  const { image, warnings } = await readImageChecked(path, options);
  if (options.onWarning) for (const warning of warnings) options.onWarning(warning);
  return image;
}

/** Channel-first [0, 1] floats, grey replicated, alpha (when present) composited onto black. */
function toTensor(raw: RawPixels): { image: ImageTensor; transparent: number } {
  const plane = raw.rows * raw.cols;
  const hasAlpha = raw.channels === 2 || raw.channels === 4;
  const colours = hasAlpha ? raw.channels - 1 : raw.channels;
  const image = createImageTensor(3, raw.rows, raw.cols);
  const scale = raw.bitDepth === 16 ? 1 / 65535 : 1 / 255;
  for (let c = 0; c < 3; c++) {
    const source = Math.min(c, colours - 1);
    const out = image.data.subarray(c * plane, (c + 1) * plane);
    for (let i = 0; i < plane; i++) out[i] = raw.data[i * raw.channels + source]! * scale;
  }
  const transparent = hasAlpha ? compositeOntoBlack(image, raw.data, { channels: raw.channels, opaque: raw.bitDepth === 16 ? 65535 : 255 }) : 0;
  return { image, transparent };
}

function transparentText(transparent: number, total: number): string {
  const share = ((100 * transparent) / total).toFixed(transparent === total ? 0 : 1);
  return `${transparent.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} pixels (${share}%) are transparent or partly transparent; composited onto black`;
}

/**
 * Reads a binary mask: a pixel is foreground when any colour channel exceeds the threshold (alpha is ignored).
 * JPEG masks carry compression noise around 0 and 255, so they are cut at 127 by default.
 */
export async function readMask(path: string, options: ReadMaskOptions = {}): Promise<Mask> {
  const header = await readHeader(path);
  const raw = await decodeRaw(path, header);
  const colours = raw.channels === 2 || raw.channels === 4 ? raw.channels - 1 : raw.channels;
  const threshold8 = options.threshold ?? (header.format === 'jpeg' ? 127 : 0);
  const threshold = raw.bitDepth === 16 ? threshold8 * 257 : threshold8;
  const mask = createMask(raw.rows, raw.cols);
  for (let i = 0; i < mask.data.length; i++) {
    let on = 0;
    for (let c = 0; c < colours; c++) if (raw.data[i * raw.channels + c]! > threshold) on = 1;
    mask.data[i] = on;
  }
  return mask;
}

/**
 * A prediction file read as a mask, and whether it was one: a PNG/TIFF with more than two grey levels is a
 * soft map (a probability or relevance map), which thresholding at 0 would make mostly foreground.
 * `threshold` is in 8-bit units (scaled for 16-bit files), as for readMask.
 */
export async function readPredictionMask(path: string, options: ReadMaskOptions = {}): Promise<{ mask: Mask; soft: boolean; bitDepth: number }> {
  const header = await readHeader(path);
  const raw = await decodeRaw(path, header);
  const levels = new Set<number>();
  for (let i = 0; i < raw.data.length && levels.size <= 2; i += raw.channels) levels.add(raw.data[i]!);
  return { mask: await readMask(path, options), soft: header.format !== 'jpeg' && levels.size > 2, bitDepth: raw.bitDepth };
}

/** Size of an image file without decoding its pixels (for cheap validation). */
export async function readImageSize(path: string): Promise<{ rows: number; cols: number }> {
  return (await readHeader(path)).size;
}
