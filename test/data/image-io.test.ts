import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { createImageTensor, createMask, createScalarMap, InputFileError, InvalidArgumentError } from '../../src/core/index.js';
import {
  cropImage, imageToBatch, readFloatMap, readImage, readImageSize, readMask, resizeImage,
  writeFloatMap, writeMapPng16, writeMaskPng, writeRgbPng,
} from '../../src/data/index.js';
import { makeTempDir, writePixels } from './synthetic.js';

let dir: string;
beforeAll(async () => {
  dir = await makeTempDir();
});

describe('readImage', () => {
  it('reads 8-bit RGB PNG channel-first in [0, 1]', async () => {
    const path = await writePixels(join(dir, 'rgb.png'), Uint8Array.from([255, 0, 51, 0, 102, 255]), { rows: 1, cols: 2, channels: 3 });
    const image = await readImage(path);
    expect([image.channels, image.rows, image.cols, image.sourceChannels, image.bitDepth]).toEqual([3, 1, 2, 3, 8]);
    expect(Array.from(image.data)).toEqual([1, 0, 0, 0.4, 0.2, 1].map(Math.fround));
  });

  it('replicates 16-bit grey to 3 channels without losing precision', async () => {
    const samples = Uint16Array.from([0, 1, 40000, 65535]);
    const png = await sharp(samples, { raw: { width: 2, height: 2, channels: 1 } }).toColourspace('grey16').png().toBuffer();
    await writeFile(join(dir, 'grey16.png'), png);
    const image = await readImage(join(dir, 'grey16.png'));
    expect([image.sourceChannels, image.bitDepth]).toEqual([1, 16]);
    const expected = Array.from(samples, (s) => Math.fround(s / 65535));
    expect(Array.from(image.data)).toEqual([...expected, ...expected, ...expected]);
  });

  it('reads JPEG and TIFF', async () => {
    const pixels = new Uint8Array(8 * 8 * 3).fill(128);
    const jpeg = await readImage(await writePixels(join(dir, 'grey.jpg'), pixels, { rows: 8, cols: 8, channels: 3 }));
    const tiff = await readImage(await writePixels(join(dir, 'grey.tif'), pixels, { rows: 8, cols: 8, channels: 3 }));
    expect(jpeg.format).toBe('jpeg');
    expect(Math.abs(jpeg.data[0]! - 128 / 255)).toBeLessThan(2 / 255);
    expect(tiff.data[10]).toBeCloseTo(128 / 255, 6);
  });

  it.each([
    ['missing', 'nothing-here.png', /: missing \(no such file\)$/],
    ['a folder', 'a-folder.png', /: is a folder, not an image$/],
    ['not an image', 'text.png', /not an image/],
    ['truncated', 'cut.jpg', /truncated or corrupt/],
  ])('names the file and the problem when it is %s', async (_, name, problem) => {
    await writeFile(join(dir, 'text.png'), 'hello, not pixels');
    await mkdir(join(dir, 'a-folder.png'), { recursive: true });
    const jpeg = await sharp({ create: { width: 64, height: 64, channels: 3, background: { r: 9, g: 200, b: 40 } } }).jpeg().toBuffer();
    await writeFile(join(dir, 'cut.jpg'), jpeg.subarray(0, jpeg.length >> 1));
    const error = await readImage(join(dir, name)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputFileError);
    expect((error as InputFileError).file).toBe(join(dir, name));
    expect((error as Error).message).toMatch(problem);
    expect((error as Error).message.startsWith(join(dir, name))).toBe(true);
  });
});

describe('readMask', () => {
  it('takes nonzero as foreground in PNG and > 127 in JPEG', async () => {
    const png = await writePixels(join(dir, 'm.png'), Uint8Array.from([0, 1, 127, 255]), { rows: 2, cols: 2, channels: 1 });
    expect(Array.from((await readMask(png)).data)).toEqual([0, 1, 1, 1]);
    const values = new Uint8Array(16 * 16);
    for (let i = 0; i < values.length; i++) values[i] = i % 16 < 8 ? 0 : 255;
    const jpeg = await readMask(await writePixels(join(dir, 'm.jpg'), values, { rows: 16, cols: 16, channels: 1 }));
    expect(Array.from(jpeg.data)).toEqual(Array.from(values, (v) => (v > 0 ? 1 : 0)));
  });
});

describe('writers', () => {
  it('round-trip a mask, a 16-bit map, an RGB image and a float map', async () => {
    const mask = createMask(2, 3, Uint8Array.from([0, 1, 0, 1, 1, 0]));
    await writeMaskPng(join(dir, 'out/mask.png'), mask);
    expect(await readMask(join(dir, 'out/mask.png'))).toEqual(mask);
    const map = createScalarMap(1, 4, Float32Array.from([0, 0.25, 0.7, 1.5]));
    await writeMapPng16(join(dir, 'out/map.png'), map);
    const back = await readImage(join(dir, 'out/map.png'));
    expect(back.bitDepth).toBe(16);
    [0, 0.25, 0.7, 1].forEach((value, i) => expect(Math.abs(back.data[i]! - value)).toBeLessThanOrEqual(0.5 / 65535 + 1e-7));
    const rgb = createImageTensor(3, 1, 1, Float32Array.from([1, 0.2, 0]));
    await writeRgbPng(join(dir, 'out/rgb.png'), rgb);
    expect(Array.from((await readImage(join(dir, 'out/rgb.png'))).data)).toEqual([1, 0.2, 0].map(Math.fround));
    const floats = createScalarMap(2, 2, Float32Array.from([-1.5, 3e-8, Math.PI, 7]));
    await writeFloatMap(join(dir, 'out/map.f32'), floats);
    expect(await readFloatMap(join(dir, 'out/map.f32'))).toEqual(floats);
    expect(await readImageSize(join(dir, 'out/mask.png'))).toEqual({ rows: 2, cols: 3 });
  });
});

describe('resize, crop and batch', () => {
  it('keeps a constant image constant (within libvips fixed-point error 5e-4) at the requested size', async () => {
    const image = createImageTensor(3, 40, 30, new Float32Array(3600).fill(0.3));
    const small = await resizeImage(image, 7, 5);
    expect([small.rows, small.cols]).toEqual([7, 5]);
    for (const value of small.data) expect(Math.abs(value - 0.3)).toBeLessThan(5e-4);
  });

  it('averages a fine checkerboard when shrinking (antialiasing)', async () => {
    const data = new Float32Array(3 * 64 * 64);
    for (let i = 0; i < data.length; i++) data[i] = ((i % 64) + Math.floor(i / 64)) % 2;
    const small = await resizeImage(createImageTensor(3, 64, 64, data), 8);
    for (const value of small.data) expect(Math.abs(value - 0.5)).toBeLessThan(0.05);
  });

  it('crops the requested rectangle and rejects one outside the image', () => {
    const image = createImageTensor(1, 3, 3, Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]));
    expect(Array.from(cropImage(image, { top: 1, left: 1, rows: 2, cols: 2 }).data)).toEqual([5, 6, 8, 9]);
    expect(() => cropImage(image, { top: 2, left: 0, rows: 2, cols: 1 })).toThrow(InvalidArgumentError);
  });

  it('packs images as [B, 3, S, S] with (x - mean) / std', () => {
    const a = createImageTensor(3, 1, 1, Float32Array.from([0.5, 0.5, 0.5]));
    const b = createImageTensor(3, 1, 1, Float32Array.from([1, 0, 0.25]));
    const batch = imageToBatch([a, b], { mean: [0.5, 0, 0.25], std: [0.5, 2, 0.25] });
    expect(Array.from(batch)).toEqual([0, 0.25, 1, 1, 0, 0]);
    expect(() => imageToBatch([a, createImageTensor(3, 2, 2)], { mean: [0, 0, 0], std: [1, 1, 1] })).toThrow(/3x1x1/);
    expect(() => imageToBatch([a], { mean: [0, 0, 0], std: [1, 0, 1] })).toThrow(InvalidArgumentError);
  });
});
