import { describe, expect, it } from 'vitest';
import { createMask, createScalarMap, type ScalarMap } from '../../src/core/index.js';
import {
  blockMeanForeground, gaussianSmoothNearest, orientScores, principalComponentScores, quantileLinear, segmentLayerMaps,
} from '../../src/features/index.js';
import { loadTinyMicraNet } from '../backbone/cnn-fixture.js';

const SIDE = 16;
const inSquare = (p: number, from = 4, to = 12): boolean => {
  const [y, x] = [Math.floor(p / SIDE), p % SIDE];
  return y >= from && y < to && x >= from && x < to;
};
const plane = (value: (p: number) => number): ScalarMap => createScalarMap(SIDE, SIDE, Float32Array.from({ length: SIDE * SIDE }, (_, p) => value(p)));

/**
 * Known layer maps: seven maps that are a square pattern (scaled differently, plus a gradient across the
 * image on one of them) and a last map that is positive inside the square only; the foreground is the
 * square's 8x8 block quarter and its neighbours.
 */
function toyMaps(sign = 1): ScalarMap[] {
  const shallow = Array.from({ length: 7 }, (_, k) => plane((p) => sign * ((inSquare(p) ? 1 + k / 10 : 0) + (k === 3 ? (p % SIDE) / 100 : 0))));
  return [...shallow, plane((p) => (inSquare(p) ? 1 : 0))];
}

describe('the MICRA-Net segmentation steps on known maps', () => {
  it('quantileLinear interpolates as numpy.quantile', () => {
    expect(quantileLinear([4, 1, 3, 2], 0.8)).toBeCloseTo(3.4, 12);
    expect(quantileLinear([4, 1, 3, 2], 0.5)).toBe(2.5);
    expect(quantileLinear([7], 0.8)).toBe(7);
  });

  it('takes the foreground as the 8x8 block means above their median', () => {
    const tileMeans = [0.1, 0.5, 0.9, 0.3];
    const mask = blockMeanForeground(plane((p) => tileMeans[Math.floor(p / SIDE / 8) * 2 + Math.floor((p % SIDE) / 8)]!));
    expect([0, 8, 128, 136].map((p) => mask.data[p])).toEqual([0, 1, 1, 0]);
    expect(mask.data.reduce((a, b) => a + b, 0)).toBe(128);
  });

  it('scores pixels on the first principal component: the square against the rest, either sign', () => {
    const scores = principalComponentScores(toyMaps().slice(0, 7));
    const inside = scores[5 * SIDE + 5]!;
    const outside = scores[0]!;
    expect(Math.abs(inside - outside)).toBeGreaterThan(2);
    for (let p = 0; p < scores.length; p++) expect(Math.sign(scores[p]! - (inside + outside) / 2)).toBe(inSquare(p) ? Math.sign(inside - outside) : -Math.sign(inside - outside));
  });

  it('orients the component so that the last map weighs it up, normalised over the selected pixels', () => {
    const weights = plane((p) => (inSquare(p) ? 1 : 0));
    const all = new Uint8Array(SIDE * SIDE).fill(1);
    const up = orientScores(Float64Array.from({ length: SIDE * SIDE }, (_, p) => (inSquare(p) ? 2 : -1)), weights, all)!;
    const down = orientScores(Float64Array.from({ length: SIDE * SIDE }, (_, p) => (inSquare(p) ? -2 : 1)), weights, all)!;
    expect([up[5 * SIDE + 5], up[0]]).toEqual([1, 0]);
    expect([down[5 * SIDE + 5], down[0]]).toEqual([1, 0]);
    expect(orientScores(new Float64Array(SIDE * SIDE), weights, new Uint8Array(SIDE * SIDE))).toBeUndefined();
  });

  it('smooths with edges repeated: a constant stays constant and an impulse spreads with weights summing to 1', () => {
    expect(gaussianSmoothNearest(plane(() => 0.25), 1).data.every((v) => Math.abs(v - 0.25) < 1e-7)).toBe(true);
    const impulse = gaussianSmoothNearest(plane((p) => (p === 8 * SIDE + 8 ? 1 : 0)), 1);
    expect(impulse.data.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
    expect(impulse.data[8 * SIDE + 8]).toBeCloseTo((1 / 2.5066) ** 2, 2);
  });

  it('segments the square: the mask is its centre, whichever sign the component has', () => {
    const foreground = createMask(SIDE, SIDE, Uint8Array.from({ length: SIDE * SIDE }, (_, p) => (inSquare(p, 0, 16) ? 1 : 0)));
    const plus = segmentLayerMaps(toyMaps(1), foreground)!;
    const minus = segmentLayerMaps(toyMaps(-1), foreground)!;
    expect([...minus.mask.data]).toEqual([...plus.mask.data]);
    const kept = plus.mask.data.reduce((a, b) => a + b, 0);
    expect(kept).toBeGreaterThan(30);
    expect(kept).toBeLessThanOrEqual(Math.ceil(0.2 * SIDE * SIDE));
    plus.mask.data.forEach((v, p) => { if (v) expect(inSquare(p)).toBe(true); });
    expect(plus.mask.data[7 * SIDE + 7]).toBe(1);
  });

  it('skips a class whose last map is zero on the foreground (the original `continue`)', () => {
    const maps = toyMaps();
    maps[7] = plane(() => 0);
    expect(segmentLayerMaps(maps, createMask(SIDE, SIDE, new Uint8Array(SIDE * SIDE).fill(1)))).toBeUndefined();
  });
});

describe('the MICRA-Net segmentation vs gradCAM.segment_cam written in numpy (scripts/make-cnn-fixtures.py)', () => {
  const fixture = loadTinyMicraNet();
  const size = fixture.config.inputSize;
  const pixels = fixture.pixels.subarray(0, 3 * size * size);
  const gray = createScalarMap(size, size, Float32Array.from({ length: size * size }, (_, p) => (pixels[p]! + pixels[size * size + p]! + pixels[2 * size * size + p]!) / 3));

  it.each(fixture.gradCam.map((c, k) => [k, c] as const))('class %i: foreground, smoothed component and mask', (_, expected) => {
    const foreground = blockMeanForeground(gray);
    expect([...foreground.data]).toEqual(expected.foreground);
    const maps = Array.from({ length: 8 }, (__, k) => createScalarMap(size, size, expected.maps.slice(k * size * size, (k + 1) * size * size)));
    const result = segmentLayerMaps(maps, foreground)!;
    // 1e-5 absolute on a map in [0, 1]: float32 maps, float64 arithmetic on both sides.
    expect(Math.max(...result.map.data.map((v, i) => Math.abs(v - expected.smooth[i]!)))).toBeLessThan(1e-5);
    expect([...result.mask.data]).toEqual(expected.mask);
  });
});
