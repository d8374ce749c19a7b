import { describe, expect, it } from 'vitest';
import { createImageTensor, createRng, InvalidArgumentError } from '../../src/core/index.js';
import { augmentImage, computeChannelNormalisation, flipHorizontal, jitterColour, rotateImage } from '../../src/data/index.js';

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
