import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { ImageTooLargeError, InputFileError, InvalidArgumentError } from '../../src/core/index.js';
import { DEFAULT_MAX_PIXELS, MIN_IMAGE_SIDE, readImage, readImageChecked, readImageSize, readMask } from '../../src/data/index.js';
import { makeTempDir, writePixels, writeSolid } from './synthetic.js';

let dir: string;
beforeAll(async () => {
  dir = await makeTempDir('image-limits-');
});

/** CRC-32 of PNG chunks (ISO 3309), so a header can be written by hand. */
function crc32(bytes: Uint8Array): number {
  let crc = ~0;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1));
  }
  return ~crc >>> 0;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const out = Buffer.alloc(body.length + 8);
  out.writeUInt32BE(data.length, 0);
  body.copy(out, 4);
  out.writeUInt32BE(crc32(body), body.length + 4);
  return out;
}

/**
 * A PNG whose pixel data stops after the first row: its header is whole, so a reader that refuses from the
 * header says the image is too large, and one that decodes first says it is truncated.
 */
async function writePngHeaderOnly(path: string, cols: number, rows: number): Promise<string> {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(cols, 0);
  ihdr.writeUInt32BE(rows, 4);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8-bit RGB, no interlace
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const firstRow = deflateSync(Buffer.alloc(1 + 3 * cols)); // filter byte 0, then black pixels
  await writeFile(path, Buffer.concat([signature, chunk('IHDR', ihdr), chunk('IDAT', firstRow), chunk('IEND', new Uint8Array(0))]));
  return path;
}

/** These images are tiny, so they also get the small-image warning; these tests are about the other one. */
const transparency = (warning: string): boolean => warning.includes('transparent');

async function writeRgba(path: string, pixels: number[], size: { rows: number; cols: number }): Promise<string> {
  await writeFile(path, await sharp(Uint8Array.from(pixels), { raw: { width: size.cols, height: size.rows, channels: 4 } }).png().toBuffer());
  return path;
}

describe('the pixel limit (issue 10, item 7)', () => {
  it('is 40 megapixels by default, and a 10000 x 10000 image is refused from its header, before any decoding', async () => {
    expect(DEFAULT_MAX_PIXELS).toBe(40_000_000);
    const path = await writePngHeaderOnly(join(dir, 'huge.png'), 10000, 10000);
    expect(await readImageSize(path)).toEqual({ rows: 10000, cols: 10000 });
    const error = await readImage(path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ImageTooLargeError);
    expect(error).toBeInstanceOf(InputFileError);
    expect(error).toMatchObject({ code: 'E_INPUT_FILE', file: path, pixels: 100_000_000, maxPixels: 40_000_000 });
    expect((error as Error).message).toBe(`${path}: expected at most 40,000,000 pixels for an input image but received 10000 x 10000 = 100,000,000; downscale it first`);
  });

  it('takes another limit, refusing by default and downscaling (aspect kept, with a warning) when asked', async () => {
    const path = await writeSolid(join(dir, 'wide.png'), 20, 40, [200, 100, 50]);
    await expect(readImage(path, { maxPixels: 799 })).rejects.toBeInstanceOf(ImageTooLargeError);
    expect((await readImageChecked(path, { maxPixels: 800 })).warnings).toEqual([]);
    const { image, warnings } = await readImageChecked(path, { maxPixels: 200, oversize: 'downscale' });
    expect([image.rows, image.cols]).toEqual([10, 20]);
    expect(image.scaledFrom).toEqual({ rows: 20, cols: 40 });
    expect(image.data[0]).toBeCloseTo(200 / 255, 2);
    expect(warnings).toEqual([`${path}: 40 x 20 pixels is above the limit of 200; downscaled to 20 x 10`]);
  });

  it.each([
    [{ maxPixels: 0 }, /expected an integer >= 1 for maxPixels but received 0/],
    [{ maxPixels: 1.5 }, /expected an integer >= 1 for maxPixels but received 1.5/],
    [{ oversize: 'crop' as 'refuse' }, /expected one of refuse, downscale for oversize but received 'crop'/],
  ])('rejects the options %j', async (options, message) => {
    const path = await writeSolid(join(dir, 'options.png'), 8, 8, [1, 2, 3]);
    await expect(readImage(path, options)).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(readImage(path, options)).rejects.toThrow(message);
  });
});

describe('odd images: warned about, in the result, never printed', () => {
  it.each([
    [1, 1, true], [7, 30, true], [30, 7, true], [MIN_IMAGE_SIDE, MIN_IMAGE_SIDE, false],
  ])('a %i x %i image gets a warning: %s', async (rows, cols, warned) => {
    const path = await writeSolid(join(dir, `small-${rows}x${cols}.png`), rows, cols, [9, 9, 9]);
    const { image, warnings } = await readImageChecked(path);
    expect([image.rows, image.cols]).toEqual([rows, cols]);
    expect(warnings).toEqual(warned ? [`${path}: ${cols} x ${rows} pixels is smaller than 8 on a side; it is upsampled to the backbone input, so its map and mask carry next to no detail`] : []);
  });

  it('composites an RGBA image onto black instead of feeding the colour hidden under alpha 0', async () => {
    const path = await writeRgba(join(dir, 'rgba.png'), [255, 0, 0, 255, 0, 255, 0, 0, 0, 0, 255, 102, 10, 20, 30, 255], { rows: 2, cols: 2 });
    const { image, warnings } = await readImageChecked(path);
    const red = [1, 0, 0, 10 / 255];
    const green = [0, 0, 0, 20 / 255];
    const blue = [0, 0, 0.4, 30 / 255];
    expect(Array.from(image.data)).toEqual([...red, ...green, ...blue].map(Math.fround));
    expect(image.sourceChannels).toBe(3);
    expect(warnings.filter(transparency)).toEqual([`${path}: 2 of 4 pixels (50.0%) are transparent or partly transparent; composited onto black`]);
  });

  it('composites 8-bit and 16-bit grey with alpha too, and says nothing of an opaque alpha channel', async () => {
    const grey8 = join(dir, 'grey-alpha8.png');
    await writeFile(grey8, await sharp(Uint8Array.from([200, 255, 100, 0]), { raw: { width: 2, height: 1, channels: 2 } }).toColourspace('b-w').png().toBuffer());
    const a = await readImageChecked(grey8);
    expect(Array.from(a.image.data)).toEqual([200 / 255, 0, 200 / 255, 0, 200 / 255, 0].map(Math.fround));
    expect(a.warnings.filter(transparency)).toHaveLength(1);
    const grey16 = join(dir, 'grey-alpha16.png');
    const samples = Uint16Array.from([60000, 65535, 30000, 32768]);
    await writeFile(grey16, await sharp(samples, { raw: { width: 2, height: 1, channels: 2 } }).toColourspace('grey16').png().toBuffer());
    const b = await readImageChecked(grey16);
    expect(b.image.bitDepth).toBe(16);
    expect(b.image.data[0]).toBeCloseTo(60000 / 65535, 6);
    expect(b.image.data[1]).toBeCloseTo((30000 / 65535) * (32768 / 65535), 6);
    expect(b.warnings.filter(transparency)).toEqual([`${grey16}: 1 of 2 pixels (50.0%) are transparent or partly transparent; composited onto black`]);
    const opaque = await writeRgba(join(dir, 'opaque.png'), [10, 20, 30, 255, 40, 50, 60, 255], { rows: 1, cols: 2 });
    expect((await readImageChecked(opaque)).warnings.filter(transparency)).toEqual([]);
  });

  it('readImage keeps its old result and hands the warnings to onWarning', async () => {
    const path = await writeRgba(join(dir, 'rgba-1x1.png'), [50, 60, 70, 0], { rows: 1, cols: 1 });
    const seen: string[] = [];
    const image = await readImage(path, { onWarning: (warning) => seen.push(warning) });
    expect(Array.from(image.data)).toEqual([0, 0, 0]);
    expect(seen).toEqual([expect.stringMatching(/1 x 1 pixels is smaller than 8/), expect.stringMatching(/1 of 1 pixels \(100%\) are transparent/)]);
    expect(await readImage(path)).toEqual(image);
  });
});

describe('masks and sizes', () => {
  it('readMask reads the colour of an RGBA mask and ignores its alpha, as before', async () => {
    const path = await writeRgba(join(dir, 'mask-rgba.png'), [0, 0, 0, 255, 255, 255, 255, 255, 0, 0, 0, 0, 255, 255, 255, 0], { rows: 2, cols: 2 });
    expect(Array.from((await readMask(path)).data)).toEqual([0, 1, 0, 1]);
    const grey = await writePixels(join(dir, 'mask-grey.png'), Uint8Array.from([0, 9]), { rows: 1, cols: 2, channels: 1 });
    expect(Array.from((await readMask(grey)).data)).toEqual([0, 1]);
  });

  it.each([
    ['readMask', (path: string) => readMask(path)],
    ['readImageSize', (path: string) => readImageSize(path)],
  ])('%s names a folder as a folder', async (_, read) => {
    const folder = join(dir, 'masks.png');
    await mkdir(folder, { recursive: true });
    await expect(read(folder)).rejects.toThrow(`${folder}: is a folder, not an image`);
  });
});
