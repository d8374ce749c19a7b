import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import {
  createScalarMap, ensure, ensureImage, ensureInteger, ensureMap, ensureMask, InputFileError, writeFileAtomic, writeJsonAtomic,
  type ImageTensor, type Mask, type ScalarMap,
} from '../../core/index.js';

/** Header written next to a raw float map so that any tool can read it back (numpy: fromfile + reshape). */
export interface FloatMapHeader {
  readonly rows: number;
  readonly cols: number;
  readonly dtype: 'float32';
  readonly byteOrder: 'little';
}

function toUnit16(value: number): number {
  return Math.round(Math.min(1, Math.max(0, Number.isFinite(value) ? value : 0)) * 65535);
}

/** Writes a binary mask as an 8-bit grey PNG with values 0 and 255. */
export async function writeMaskPng(path: string, mask: Mask): Promise<void> {
  ensureMask(mask);
  const pixels = new Uint8Array(mask.data.length);
  for (let i = 0; i < pixels.length; i++) pixels[i] = mask.data[i] ? 255 : 0;
  const png = await sharp(pixels, { raw: { width: mask.cols, height: mask.rows, channels: 1 } }).png().toBuffer();
  await writeFileAtomic(path, png);
}

/** Writes a [0, 1] map as a 16-bit grey PNG (values clamped; NaN written as 0). */
export async function writeMapPng16(path: string, map: ScalarMap): Promise<void> {
  ensureMap(map);
  const pixels = new Uint16Array(map.data.length);
  for (let i = 0; i < pixels.length; i++) pixels[i] = toUnit16(map.data[i]!);
  const png = await sharp(pixels, { raw: { width: map.cols, height: map.rows, channels: 1 } }).toColourspace('grey16').png().toBuffer();
  await writeFileAtomic(path, png);
}

/** Writes a 3-channel (or 1-channel, replicated) [0, 1] image as an 8-bit RGB PNG. */
export async function writeRgbPng(path: string, image: ImageTensor): Promise<void> {
  await writeFileAtomic(path, await encodeRgbPng(image));
}

/** Writes raw little-endian float32 values to `path` and a JSON header to `path + '.json'`. */
export async function writeFloatMap(path: string, map: ScalarMap): Promise<void> {
  ensureMap(map);
  const bytes = new Uint8Array(map.data.length * 4);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < map.data.length; i++) view.setFloat32(i * 4, map.data[i]!, true);
  const header: FloatMapHeader = { rows: map.rows, cols: map.cols, dtype: 'float32', byteOrder: 'little' };
  await writeFileAtomic(path, bytes);
  await writeJsonAtomic(`${path}.json`, header);
}

/** Reads a map written by `writeFloatMap`, checking the header against the data length. */
export async function readFloatMap(path: string): Promise<ScalarMap> {
  let header: FloatMapHeader;
  let bytes: Buffer;
  try {
    header = JSON.parse(await readFile(`${path}.json`, 'utf8')) as FloatMapHeader;
    bytes = await readFile(path);
  } catch (error) {
    throw new InputFileError(path, `cannot read float map or its .json header (${(error as Error).message})`, { cause: error });
  }
  const ok = header.dtype === 'float32' && Number.isInteger(header.rows) && Number.isInteger(header.cols) && bytes.length === header.rows * header.cols * 4;
  if (!ok) throw new InputFileError(path, `header ${JSON.stringify(header)} does not match ${bytes.length} bytes of float32 data`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const map = createScalarMap(header.rows, header.cols);
  for (let i = 0; i < map.data.length; i++) map.data[i] = view.getFloat32(i * 4, true);
  return map;
}

// In-memory PNG encoding, for pictures that are sent or embedded rather than written to a file (the
// viewer's correction previews, the data URIs of a self-contained report).

/** Interleaved 8-bit pixels (1 grey, 3 RGB or 4 RGBA channels) as PNG bytes. */
export async function encodePng(pixels: Uint8Array, size: { rows: number; cols: number; channels: 1 | 3 | 4 }): Promise<Buffer> {
  ensureInteger(size.rows, 'the PNG rows', { min: 1 });
  ensureInteger(size.cols, 'the PNG cols', { min: 1 });
  ensure([1, 3, 4].includes(size.channels), '1, 3 or 4 channels', 'the PNG channels', size.channels);
  ensure(pixels.length === size.rows * size.cols * size.channels, `${size.rows * size.cols * size.channels} bytes`, 'the PNG pixels', pixels.length);
  return sharp(pixels, { raw: { width: size.cols, height: size.rows, channels: size.channels } }).png().toBuffer();
}

/** A 0/1 mask as a 0/255 grey PNG. */
export async function encodeMaskPng(mask: Mask): Promise<Buffer> {
  ensureMask(mask);
  return encodePng(Uint8Array.from(mask.data, (v) => (v ? 255 : 0)), { rows: mask.rows, cols: mask.cols, channels: 1 });
}

/** A [0, 1] image (1 or 3 channels, C x rows x cols) as an 8-bit RGB PNG. */
export async function encodeRgbPng(image: ImageTensor): Promise<Buffer> {
  ensureImage(image);
  const plane = image.rows * image.cols;
  const pixels = new Uint8Array(plane * 3);
  for (let c = 0; c < 3; c++) {
    const source = Math.min(c, image.channels - 1) * plane;
    for (let i = 0; i < plane; i++) pixels[i * 3 + c] = Math.round(Math.min(1, Math.max(0, image.data[source + i]!)) * 255);
  }
  return encodePng(pixels, { rows: image.rows, cols: image.cols, channels: 3 });
}

/** `data:image/png;base64,...` for PNG bytes. */
export function pngDataUri(png: Uint8Array): string {
  return `data:image/png;base64,${Buffer.from(png).toString('base64')}`;
}
