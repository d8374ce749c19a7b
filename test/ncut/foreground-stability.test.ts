/**
 * Hardening item 10: the foreground side of a cut must not flip on a one-grey-level change of the input.
 * Two regions the image tells apart (the cut follows them) but whose relevance is almost equal: the old
 * rule ("higher mean wins") flipped from one region to the other; the tie margin keeps the smaller one.
 */
import { describe, expect, it } from 'vitest';
import { createImageTensor, createScalarMap, type ScalarMap } from '../../src/core/index.js';
import { chooseForeground, segmentPixelsNormalizedCut } from '../../src/ncut/index.js';

const ROWS = 16;
const COLS = 16;
/** Columns < 5 form the small region (about 31%), the rest the large one. */
const inSmall = (i: number): boolean => i % COLS < 5;

function relevance(smallLevel: number, largeLevel: number): ScalarMap {
  return createScalarMap(ROWS, COLS, Float32Array.from({ length: ROWS * COLS }, (_, i) => (inSmall(i) ? smallLevel : largeLevel) + 0.02 * Math.sin(i)));
}

const image = createImageTensor(3, ROWS, COLS, Float32Array.from({ length: 3 * ROWS * COLS }, (_, i) => (inSmall(i % (ROWS * COLS)) ? 0.2 : 0.8)));
const fraction = (mask: Uint8Array): number => mask.reduce((a, b) => a + b, 0) / mask.length;
const changed = (a: Uint8Array, b: Uint8Array): number => a.reduce((n, v, i) => n + (v !== b[i] ? 1 : 0), 0) / a.length;

describe('foreground side of a cut (tie margin)', () => {
  it('keeps the side when the relevance of the two sides moves by one grey level either way', () => {
    const options = { image, relevanceWeight: 0, intensityWeight: 1, sigmaFeature: 0.1, sigmaSpace: 4, radius: 3, split: 'mean' as const, tolerance: 1e-8 };
    const above = segmentPixelsNormalizedCut(relevance(0.5 + 1 / 255, 0.5), options).mask.data;
    const below = segmentPixelsNormalizedCut(relevance(0.5 - 1 / 255, 0.5), options).mask.data;
    expect(changed(above, below)).toBeLessThan(0.01);
    expect(fraction(above)).toBeCloseTo(5 / 16, 2);
  });

  it('still follows a clear difference in relevance, whichever side is smaller', () => {
    const partition = Uint8Array.from({ length: ROWS * COLS }, (_, i) => (inSmall(i) ? 1 : 0));
    const eigenvector = Float64Array.from(partition, (v) => (v ? 1 : -1));
    expect(chooseForeground(partition, eigenvector, { rule: 'score', scores: relevance(0.2, 0.8).data }).flipped).toBe(true);
    expect(chooseForeground(partition, eigenvector, { rule: 'score', scores: relevance(0.8, 0.2).data }).flipped).toBe(false);
    // The rule without a margin is the old one: it flips on the slightest difference.
    const old = (small: number): boolean => chooseForeground(partition, eigenvector, { rule: 'score', scores: relevance(small, 0.5).data, tieMargin: 0 }).flipped;
    expect([old(0.5 + 1 / 255), old(0.5 - 1 / 255)]).toEqual([false, true]);
  });
});
