import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createImageTensor, createMask, createScalarMap, InvalidArgumentError, SizeMismatchError, type ImageTensor } from '../../src/core/index.js';
import { blendHeatmap, colorizeMap, innerContour, overlayMask, sideBySide, toRgb } from '../../src/render/overlay.js';

const fixture = JSON.parse(readFileSync(new URL('../fixtures/overlay/colormaps.json', import.meta.url), 'utf8')) as {
  turbo: { x: number[]; rgb: number[][] };
  jet: { x: number[]; rgb: number[][] };
};

/** The (r, g, b) of pixel (y, x) of a 3-channel image. */
function pixel(image: ImageTensor, y: number, x: number): number[] {
  const plane = image.rows * image.cols;
  return [0, 1, 2].map((c) => image.data[c * plane + y * image.cols + x]!);
}

function maxError(colormap: 'turbo' | 'jet', reference: { x: number[]; rgb: number[][] }): number {
  const colours = colorizeMap(createScalarMap(1, reference.x.length, Float32Array.from(reference.x)), colormap);
  return Math.max(...reference.rgb.flatMap((rgb, i) => rgb.map((v, c) => Math.abs(pixel(colours, 0, i)[c]! - v))));
}

function grayImage(rows: number, cols: number, value: number): ImageTensor {
  return createImageTensor(1, rows, cols, new Float32Array(rows * cols).fill(value));
}

describe('colorizeMap', () => {
  it('matches matplotlib turbo (the published 256-entry table) within 0.008', () => {
    expect(maxError('turbo', fixture.turbo)).toBeLessThan(0.008);
  });

  it('matches matplotlib jet exactly (1e-6, float32)', () => {
    expect(maxError('jet', fixture.jet)).toBeLessThan(1e-6);
  });

  it('computes jet by hand at its knots and between them', () => {
    const colours = colorizeMap(createScalarMap(1, 4, Float32Array.of(0, 0.11, 0.5, 1)), 'jet');
    expect(pixel(colours, 0, 0)).toEqual([0, 0, 0.5]);
    expect(pixel(colours, 0, 1)[2]).toBeCloseTo(1, 6);
    // red (0.5 - 0.35) / 0.31, green 1, blue 1 - (0.5 - 0.34) / 0.31
    const mid = pixel(colours, 0, 2);
    expect(mid[0]).toBeCloseTo(0.15 / 0.31, 6);
    expect(mid[1]).toBeCloseTo(1, 6);
    expect(mid[2]).toBeCloseTo(1 - 0.16 / 0.31, 6);
    expect(pixel(colours, 0, 3)).toEqual([0.5, 0, 0]);
  });

  it('clamps out-of-range values and NaN, and honours a custom range', () => {
    const map = createScalarMap(1, 4, Float32Array.of(-3, 7, Number.NaN, 15));
    const gray = colorizeMap(map, 'gray');
    expect([0, 1, 2, 3].map((x) => pixel(gray, 0, x)[0])).toEqual([0, 1, 0, 1]);
    const ranged = colorizeMap(map, 'gray', { range: [5, 15] });
    expect(pixel(ranged, 0, 1)).toEqual([0.2, 0.2, 0.2].map(Math.fround));
  });

  it('refuses an unknown colormap and an empty range', () => {
    const map = createScalarMap(1, 1);
    expect(() => colorizeMap(map, 'viridis' as 'jet')).toThrow(/expected one of turbo, jet, gray for the colormap but received 'viridis'/);
    expect(() => colorizeMap(map, 'gray', { range: [1, 1] })).toThrow(InvalidArgumentError);
  });
});

describe('blendHeatmap', () => {
  it('mixes image and colour with alpha, pixel by pixel', () => {
    const image = grayImage(1, 2, 0.5);
    const blended = blendHeatmap(image, createScalarMap(1, 2, Float32Array.of(0, 1)), { alpha: 0.25, colormap: 'gray' });
    expect(pixel(blended, 0, 0)).toEqual([0.375, 0.375, 0.375]);
    expect(pixel(blended, 0, 1)).toEqual([0.625, 0.625, 0.625]);
  });

  it('resizes a patch-grid map to the image (bilinear, half-pixel centres)', () => {
    const blended = blendHeatmap(grayImage(4, 4, 0), createScalarMap(2, 2, Float32Array.of(0, 1, 0, 1)), { alpha: 1, colormap: 'gray' });
    // columns of the 4-wide output sample x = -0.25, 0.25, 0.75, 1.25 -> clamped 0, 0.25, 0.75, 1
    expect([0, 1, 2, 3].map((x) => pixel(blended, 2, x)[0])).toEqual([0, 0.25, 0.75, 1]);
  });

  it('defaults to alpha 0.5 and turbo', () => {
    const blended = blendHeatmap(grayImage(1, 1, 0), createScalarMap(1, 1, Float32Array.of(1)));
    expect(pixel(blended, 0, 0).map((v) => Number(v.toFixed(4)))).toEqual([0.2398, 0.0079, 0.0053]);
  });

  it('refuses alpha outside [0, 1] and a 2-channel image', () => {
    expect(() => blendHeatmap(grayImage(1, 1, 0), createScalarMap(1, 1), { alpha: 2 })).toThrow(/expected a finite number in \[0, 1\] for the heatmap alpha but received 2/);
    expect(() => blendHeatmap(createImageTensor(2, 1, 1), createScalarMap(1, 1))).toThrow(/expected 1 or 3 channels/);
  });
});

describe('overlayMask', () => {
  const square = createMask(5, 5);
  for (let y = 1; y <= 3; y++) for (let x = 1; x <= 3; x++) square.data[y * 5 + x] = 1;

  it('finds the inner contour, closed at the picture border', () => {
    expect(Array.from(innerContour(square).data)).toEqual([
      0, 0, 0, 0, 0,
      0, 1, 1, 1, 0,
      0, 1, 0, 1, 0,
      0, 1, 1, 1, 0,
      0, 0, 0, 0, 0,
    ]);
    const full = createMask(2, 2, Uint8Array.of(1, 1, 1, 1));
    expect(Array.from(innerContour(full).data)).toEqual([1, 1, 1, 1]);
  });

  it('tints inside, paints the contour, leaves outside alone', () => {
    const out = overlayMask(grayImage(5, 5, 0.5), square, { color: [0, 1, 0], alpha: 0.5 });
    expect(pixel(out, 0, 0)).toEqual([0.5, 0.5, 0.5]);
    expect(pixel(out, 2, 2)).toEqual([0.25, 0.75, 0.25]);
    expect(pixel(out, 1, 1)).toEqual([0, 1, 0]);
  });

  it('without contour only tints; a ground truth is drawn as a contour on top', () => {
    const truth = createMask(5, 5);
    truth.data[0] = 1;
    truth.data[12] = 1;
    const out = overlayMask(grayImage(5, 5, 0.5), square, { alpha: 0.5, contour: false, groundTruth: truth, groundTruthColor: [0, 0, 1] });
    expect(pixel(out, 1, 1)).toEqual([0.25, 0.75, 0.25]);
    expect(pixel(out, 0, 0)).toEqual([0, 0, 1]);
    expect(pixel(out, 2, 2)).toEqual([0, 0, 1]);
  });

  it('refuses a mask of another size and a bad colour', () => {
    expect(() => overlayMask(grayImage(4, 5, 0), square)).toThrow(SizeMismatchError);
    expect(() => overlayMask(grayImage(5, 5, 0), square, { color: [0, 2, 0] })).toThrow(/expected three numbers in \[0, 1\] for the mask colour/);
  });
});

describe('sideBySide and toRgb', () => {
  it('places panels left to right with a gap, top-aligned, background below shorter ones', () => {
    const a = grayImage(2, 1, 0.2);
    const b = createImageTensor(3, 1, 2, Float32Array.of(0.1, 0.2, 0.3, 0.4, 0.5, 0.6));
    const out = sideBySide([a, b], 1, { background: 0.9 });
    expect([out.channels, out.rows, out.cols]).toEqual([3, 2, 4]);
    const f = Math.fround;
    expect(Array.from(out.data.subarray(0, 8))).toEqual([f(0.2), f(0.9), f(0.1), f(0.2), f(0.2), f(0.9), f(0.9), f(0.9)]);
    expect(pixel(out, 0, 3)).toEqual([f(0.2), f(0.4), f(0.6)]);
  });

  it('refuses an empty list and a negative gap', () => {
    expect(() => sideBySide([])).toThrow(/expected a non-empty array of images for the panels but received an array of length 0/);
    expect(() => sideBySide([grayImage(1, 1, 0)], -1)).toThrow(InvalidArgumentError);
  });

  it('replicates grayscale and copies RGB without sharing memory', () => {
    const image = createImageTensor(3, 1, 1, Float32Array.of(0.1, 0.2, 0.3));
    const copy = toRgb(image);
    copy.data[0] = 1;
    expect(image.data[0]).toBeCloseTo(0.1, 6);
    expect(Array.from(toRgb(grayImage(1, 1, 0.5)).data)).toEqual([0.5, 0.5, 0.5]);
  });
});
