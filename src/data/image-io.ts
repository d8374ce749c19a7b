import { stat } from 'node:fs/promises';
import sharp from 'sharp';
import { createImageTensor, createMask, InputFileError, type ImageTensor, type Mask } from '../core/index.js';

/** An image read from disk, in [0, 1], always 3 channels, with what the file held originally. */
export interface LoadedImage extends ImageTensor {
  readonly sourceChannels: number;
  readonly bitDepth: 8 | 16;
  readonly format: string;
}

export interface ReadMaskOptions {
  /** Values above this (on the file's 8-bit scale) are foreground. Default: 127 for JPEG (lossy edges), else 0. */
  threshold?: number;
}

interface RawPixels {
  data: Uint8Array | Uint16Array;
  rows: number;
  cols: number;
  channels: number;
  bitDepth: 8 | 16;
  format: string;
  sourceChannels: number;
}

/** Turns whatever sharp or the file system threw into a problem sentence a user can act on. */
function describeReadFailure(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (/unsupported image format/i.test(message)) return 'not an image (unsupported or unrecognised format)';
  if (/premature|truncat|corrupt|end of|read error|bad|invalid/i.test(message)) return `truncated or corrupt image data (${message})`;
  return `cannot decode image (${message})`;
}

async function ensureFileExists(path: string): Promise<void> {
  let isFile = false;
  try {
    isFile = (await stat(path)).isFile();
  } catch {
    throw new InputFileError(path, 'missing (no such file)');
  }
  if (!isFile) throw new InputFileError(path, 'not a file');
}

/**
 * Decodes a file to interleaved raw pixels without alpha, keeping 16-bit samples when the file has them.
 * sharp converts to 8-bit sRGB unless told the 16-bit colour space, hence the explicit `toColourspace`.
 */
async function decodeRaw(path: string): Promise<RawPixels> {
  await ensureFileExists(path);
  try {
    const meta = await sharp(path).metadata();
    const sourceChannels = (meta.channels ?? 3) - (meta.hasAlpha ? 1 : 0);
    const sixteen = meta.depth === 'ushort';
    const grey = sourceChannels === 1;
    let pipeline = sharp(path, { failOn: 'truncated' }).removeAlpha();
    if (sixteen) pipeline = pipeline.toColourspace(grey ? 'grey16' : 'rgb16');
    else if (grey) pipeline = pipeline.toColourspace('b-w');
    const { data, info } = await pipeline.raw(sixteen ? { depth: 'ushort' } : {}).toBuffer({ resolveWithObject: true });
    const pixels = sixteen ? new Uint16Array(data.buffer, data.byteOffset, data.length / 2) : new Uint8Array(data.buffer, data.byteOffset, data.length);
    return { data: pixels, rows: info.height, cols: info.width, channels: info.channels, bitDepth: sixteen ? 16 : 8, format: meta.format ?? 'unknown', sourceChannels };
  } catch (error) {
    throw new InputFileError(path, describeReadFailure(error), { cause: error });
  }
}

/** Reads PNG (8/16-bit), JPEG or TIFF into a 3-channel (C, rows, cols) tensor in [0, 1]; grey is replicated. */
export async function readImage(path: string): Promise<LoadedImage> {
  const raw = await decodeRaw(path);
  const plane = raw.rows * raw.cols;
  const image = createImageTensor(3, raw.rows, raw.cols);
  const scale = raw.bitDepth === 16 ? 1 / 65535 : 1 / 255;
  for (let c = 0; c < 3; c++) {
    const source = Math.min(c, raw.channels - 1);
    const out = image.data.subarray(c * plane, (c + 1) * plane);
    for (let i = 0; i < plane; i++) out[i] = raw.data[i * raw.channels + source]! * scale;
  }
  return { ...image, sourceChannels: raw.sourceChannels, bitDepth: raw.bitDepth, format: raw.format };
}

/**
 * Reads a binary mask: a pixel is foreground when any colour channel exceeds the threshold.
 * JPEG masks carry compression noise around 0 and 255, so they are cut at 127 by default.
 */
export async function readMask(path: string, options: ReadMaskOptions = {}): Promise<Mask> {
  const raw = await decodeRaw(path);
  const threshold8 = options.threshold ?? (raw.format === 'jpeg' ? 127 : 0);
  const threshold = raw.bitDepth === 16 ? threshold8 * 257 : threshold8;
  const mask = createMask(raw.rows, raw.cols);
  for (let i = 0; i < mask.data.length; i++) {
    let on = 0;
    for (let c = 0; c < raw.channels; c++) if (raw.data[i * raw.channels + c]! > threshold) on = 1;
    mask.data[i] = on;
  }
  return mask;
}

/** Size of an image file without decoding its pixels (for cheap validation). */
export async function readImageSize(path: string): Promise<{ rows: number; cols: number }> {
  await ensureFileExists(path);
  try {
    const meta = await sharp(path).metadata();
    if (!meta.width || !meta.height) throw new Error('no size in header');
    // Pixels are read without EXIF auto-rotation, so the stored size is the one that matches them.
    return { rows: meta.height, cols: meta.width };
  } catch (error) {
    throw new InputFileError(path, describeReadFailure(error), { cause: error });
  }
}
