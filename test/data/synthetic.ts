import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import sharp from 'sharp';

/** Test helpers: small images written with sharp into a fresh temporary folder. */
export async function makeTempDir(prefix = 'explainseg-data-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

/** Writes interleaved 8-bit pixels (channels 1 or 3) as PNG, JPEG (quality 95) or TIFF, by extension. */
export async function writePixels(path: string, pixels: Uint8Array, size: { rows: number; cols: number; channels: 1 | 3 }): Promise<string> {
  await mkdir(dirname(path), { recursive: true });
  const image = sharp(pixels, { raw: { width: size.cols, height: size.rows, channels: size.channels } });
  const encoded = path.endsWith('.jpg') ? image.jpeg({ quality: 95 }) : path.endsWith('.tif') ? image.tiff() : image.png();
  await writeFile(path, await encoded.toBuffer());
  return path;
}

/** A binary mask file (0/255) with the given rectangle set. */
export async function writeRectMask(path: string, rows: number, cols: number, rect?: { top: number; left: number; rows: number; cols: number }): Promise<string> {
  const pixels = new Uint8Array(rows * cols);
  if (rect) for (let y = rect.top; y < rect.top + rect.rows; y++) for (let x = rect.left; x < rect.left + rect.cols; x++) pixels[y * cols + x] = 255;
  return writePixels(path, pixels, { rows, cols, channels: 1 });
}

/** A solid RGB image. */
export async function writeSolid(path: string, rows: number, cols: number, rgb: [number, number, number]): Promise<string> {
  const pixels = new Uint8Array(rows * cols * 3);
  for (let i = 0; i < rows * cols; i++) pixels.set(rgb, i * 3);
  return writePixels(path, pixels, { rows, cols, channels: 3 });
}
