import { describe, expect, it } from 'vitest';
import { createImageTensor, createMask, InvalidArgumentError } from '../../../src/core/index.js';
import {
  DEFAULT_ELLIPSE_FRACTION, ellipsePrior, fractionFromMasks, otsuOnIntensity,
} from '../../../src/pipeline/competitors/references.js';

const rowsOf = (mask: { data: Uint8Array; rows: number; cols: number }): string[] =>
  Array.from({ length: mask.rows }, (_, y) => Array.from(mask.data.subarray(y * mask.cols, (y + 1) * mask.cols)).join(''));
const count = (mask: { data: Uint8Array }): number => mask.data.reduce((a, b) => a + b, 0);

describe('ellipsePrior', () => {
  it.each([
    // 4x4, radii at pixel centres: 0.125 (x4 centre), 0.625 (x8 edge-adjacent), 1.125 (x4 corners).
    [4, 4, 0.25, ['0000', '0110', '0110', '0000']],
    [4, 4, 0.75, ['0110', '1111', '1111', '0110']],
    [4, 4, 1, ['1111', '1111', '1111', '1111']],
    [4, 4, 0, ['0000', '0000', '0000', '0000']],
    // 3x5, radii: centre 0, row neighbours (1/2.5)^2 = 0.16, column neighbours (1/1.5)^2 = 0.44, then 0.64:
    // a horizontal step costs less than a vertical one because the axes scale with the sides.
    [3, 5, 1 / 15, ['00000', '00100', '00000']],
    [3, 5, 3 / 15, ['00000', '01110', '00000']],
    [3, 5, 5 / 15, ['00100', '01110', '00100']],
  ])('%ix%i at fraction %f', (rows, cols, fraction, expected) => {
    expect(rowsOf(ellipsePrior(rows, cols, { fraction }))).toEqual(expected);
  });

  it('keeps mirror-image ties together (5 of 16 asked, the 4 centre ones tie at 4, then 8 more)', () => {
    expect(count(ellipsePrior(4, 4, { fraction: 5 / 16 }))).toBe(12);
  });

  it('covers the asked fraction within a pixel ring on a large grid, and defaults to 0.15', () => {
    const mask = ellipsePrior(200, 300);
    expect(count(mask) / (200 * 300)).toBeCloseTo(DEFAULT_ELLIPSE_FRACTION, 2);
    // Centred and symmetric: row 100 spans as far left as right of the centre.
    const row = Array.from(mask.data.subarray(100 * 300, 101 * 300));
    expect(row.indexOf(1)).toBe(300 - 1 - row.lastIndexOf(1));
    expect(mask.data[0]).toBe(0);
  });

  it('rejects a fraction outside [0, 1] and non-integer sides', () => {
    expect(() => ellipsePrior(4, 4, { fraction: 1.5 })).toThrow(/expected a finite number in \[0, 1\] for the ellipse prior fraction but received 1.5/);
    expect(() => ellipsePrior(4.5, 4)).toThrow(InvalidArgumentError);
  });
});

describe('fractionFromMasks', () => {
  it('averages per-mask fractions', () => {
    const quarter = createMask(2, 2, Uint8Array.from([1, 0, 0, 0]));
    const full = createMask(1, 4, Uint8Array.from([1, 1, 1, 1]));
    expect(fractionFromMasks([quarter, full])).toBeCloseTo((0.25 + 1) / 2, 12);
  });
  it('rejects an empty list', () => {
    expect(() => fractionFromMasks([])).toThrow(/expected at least one mask/);
  });
});

describe('otsuOnIntensity', () => {
  // One channel, 2x4: a bright pair on a dark background; gray = the value itself.
  const image = createImageTensor(1, 2, 4, Float32Array.from([0.1, 0.1, 0.9, 0.9, 0.1, 0.1, 0.1, 0.1]));
  it.each([
    ['bright', ['0011', '0000']],
    ['dark', ['1100', '1111']],
    ['smaller', ['0011', '0000']],
  ] as const)('foreground %s', (foreground, expected) => {
    expect(rowsOf(otsuOnIntensity(image, { foreground }))).toEqual(expected);
  });

  it("'smaller' picks the dark side when it is the minority", () => {
    const inverted = createImageTensor(1, 2, 4, image.data.map((v) => 1 - v));
    expect(rowsOf(otsuOnIntensity(inverted, { foreground: 'smaller' }))).toEqual(['0011', '0000']);
  });

  it('uses luma on RGB (pure green outweighs pure red and blue together)', () => {
    const plane = 4;
    const rgb = createImageTensor(3, 2, 2);
    rgb.data.set([1, 0, 0, 0], 0); // red at pixel 0
    rgb.data.set([0, 1, 0, 0], plane); // green at pixel 1
    rgb.data.set([0, 0, 1, 0], 2 * plane); // blue at pixel 2
    expect(Array.from(otsuOnIntensity(rgb, { foreground: 'bright' }).data)).toEqual([0, 1, 0, 0]);
  });

  it('returns an empty mask on a constant image, whatever the side', () => {
    const flat = createImageTensor(1, 3, 3, new Float32Array(9).fill(0.4));
    for (const foreground of ['bright', 'dark', 'smaller'] as const) expect(count(otsuOnIntensity(flat, { foreground }))).toBe(0);
  });

  it('rejects an unknown side', () => {
    expect(() => otsuOnIntensity(image, { foreground: 'left' as never })).toThrow(/expected one of bright, dark, smaller for the Otsu reference foreground but received 'left'/);
  });
});
