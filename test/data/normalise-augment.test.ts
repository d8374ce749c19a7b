import { describe, expect, it } from 'vitest';
import { createImageTensor, createRng, InvalidArgumentError } from '../../src/core/index.js';
import { augmentImage, computeChannelNormalisation, flipHorizontal, jitterColour, randomResizedCrop, rotateImage } from '../../src/data/index.js';

const ramp = () => createImageTensor(3, 4, 4, Float32Array.from({ length: 48 }, (_, i) => (i % 16) / 16));

describe('computeChannelNormalisation', () => {
  it('matches a hand computation over two images', () => {
    const a = createImageTensor(3, 1, 2, Float32Array.from([0, 1, 0.5, 0.5, 0.2, 0.2]));
    const b = createImageTensor(3, 1, 2, Float32Array.from([0, 1, 0.5, 0.5, 0.6, 0.6]));
    const { mean, std } = computeChannelNormalisation([a, b]);
    expect(mean[0]).toBeCloseTo(0.5, 12);
    expect(mean[2]).toBeCloseTo(0.4, 6);
    expect(std[0]).toBeCloseTo(0.5, 12);
    expect(std[1]).toBe(1e-6); // constant channel: floored, never zero
    expect(std[2]).toBeCloseTo(0.2, 6);
    expect(() => computeChannelNormalisation([])).toThrow(InvalidArgumentError);
  });
});

describe('augmentation', () => {
  it('flip twice is the identity; rotation by 0 and unit jitter change nothing', () => {
    expect(flipHorizontal(flipHorizontal(ramp()))).toEqual(ramp());
    expect(flipHorizontal(ramp()).data[0]).toBe(ramp().data[3]);
    expect(rotateImage(ramp(), 0).data).toEqual(ramp().data);
    const same = jitterColour(ramp(), { brightness: 1, contrast: 1, saturation: 1 });
    for (let i = 0; i < 48; i++) expect(same.data[i]).toBeCloseTo(ramp().data[i]!, 6);
  });

  it('rotating a square by 90 degrees moves the top-left corner to the bottom-left', () => {
    const rotated = rotateImage(ramp(), 90);
    const original = ramp();
    for (let y = 0; y < 4; y++) for (let x = 0; x < 4; x++) expect(rotated.data[y * 4 + x]).toBeCloseTo(original.data[x * 4 + (3 - y)]!, 5);
  });

  it('saturation 0 gives grey pixels; contrast 0 gives the mean grey', () => {
    const grey = jitterColour(ramp(), { brightness: 1, contrast: 1, saturation: 0 });
    expect(grey.data[5]).toBeCloseTo(grey.data[16 + 5]!, 6);
    const flat = jitterColour(ramp(), { brightness: 1, contrast: 0, saturation: 1 });
    expect(new Set(Array.from(flat.data, (v) => v.toFixed(5))).size).toBe(1);
  });

  it('is reproducible from the seed and stays in [0, 1]', () => {
    const a = augmentImage(ramp(), createRng(9));
    expect(augmentImage(ramp(), createRng(9))).toEqual(a);
    expect(augmentImage(ramp(), createRng(10))).not.toEqual(a);
    for (const v of a.data) expect(v >= 0 && v <= 1).toBe(true);
    expect(() => augmentImage(ramp(), createRng(1), { brightness: 2 })).toThrow(InvalidArgumentError);
  });
});

describe('randomResizedCrop', () => {
  // An 8 x 8 horizontal ramp, value = col / 7 in every channel and row.
  const ramp = createImageTensor(3, 8, 8, Float32Array.from({ length: 3 * 64 }, (_, i) => (i % 8) / 7));

  it('with scale and ratio 1 keeps the whole image unchanged', () => {
    expect(Array.from(randomResizedCrop(ramp, createRng(1), { scale: [1, 1], ratio: [1, 1] }).data)).toEqual(Array.from(ramp.data));
  });

  it('a quarter-area square crop of a ramp is a ramp over 4 source columns, stretched to the full size', () => {
    for (const seed of [1, 2, 3]) {
      const out = randomResizedCrop(ramp, createRng(seed), { scale: [0.25, 0.25], ratio: [1, 1] });
      expect([out.rows, out.cols]).toEqual([8, 8]);
      const row = Array.from(out.data.subarray(0, 8));
      for (let r = 1; r < 8; r++) expect(Array.from(out.data.subarray(8 * r, 8 * r + 8))).toEqual(row);
      for (let c = 1; c < 8; c++) expect(row[c]!).toBeGreaterThanOrEqual(row[c - 1]!);
      // 4 source columns span 3/7 of the ramp; bilinear sampling at pixel centres stays inside them.
      expect(row[7]! - row[0]!).toBeLessThanOrEqual(3 / 7 + 1e-6);
      expect(row[7]! - row[0]!).toBeGreaterThan(2 / 7);
    }
  });

  it('is reproducible from the seed and refuses an empty scale range', () => {
    const a = randomResizedCrop(ramp, createRng(9));
    expect(Array.from(randomResizedCrop(ramp, createRng(9)).data)).toEqual(Array.from(a.data));
    expect(() => randomResizedCrop(ramp, createRng(9), { scale: [0.5, 0.2] })).toThrow(InvalidArgumentError);
    expect(() => randomResizedCrop(ramp, createRng(9), { scale: [0.5, 0.2] })).toThrow(/expected a finite number in \[0\.5, 1\] for the largest crop scale but received 0\.2/);
  });
});
