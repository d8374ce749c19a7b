import { describe, expect, it } from 'vitest';
import {
  chooseForeground, componentContaining, countCornersSet, maskCut, tokenCut,
} from '../../src/ncut/index.js';
import { loadFixture, plantedKeys, rectangles } from './helpers.js';

describe('foreground helpers', () => {
  it('keeps the 4-connected component of the seed (a diagonal touch does not connect)', () => {
    // 1 1 0 0
    // 1 0 0 0
    // 0 0 1 1   <- touches the top blob only diagonally... not at all; (1,1) is 0
    const mask = Uint8Array.from([1, 1, 0, 0, 1, 0, 0, 0, 0, 1, 1, 1]);
    const grid = { rows: 3, cols: 4 };
    expect(Array.from(componentContaining(mask, grid, 0))).toEqual([1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0]);
    expect(Array.from(componentContaining(mask, grid, 10))).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1]);
    expect(Array.from(componentContaining(Uint8Array.from([1, 0, 0, 1]), { rows: 2, cols: 2 }, 0))).toEqual([1, 0, 0, 0]);
    expect(componentContaining(mask, grid, 2).every((v) => v === 0)).toBe(true);
  });

  it.each([
    [[1, 0, 0, 0, 0, 0, 0, 0, 1], 2],
    [[1, 1, 1, 0, 0, 0, 1, 1, 1], 4],
    [[0, 1, 0, 1, 1, 1, 0, 1, 0], 0],
  ])('counts corners of %j on a 3x3 grid as %i', (mask, corners) => {
    expect(countCornersSet(Uint8Array.from(mask), { rows: 3, cols: 3 })).toBe(corners);
  });

  it('eigen-peak picks the side with the largest |y|; score picks the side with the higher mean score', () => {
    const partition = Uint8Array.from([1, 1, 0, 0]);
    const y = [0.5, 0.2, -0.1, -0.9];
    expect(Array.from(chooseForeground(partition, y).side)).toEqual([0, 0, 1, 1]);
    expect(chooseForeground(partition, y).seed).toBe(3);
    const byScore = chooseForeground(partition, y, { rule: 'score', scores: [0.9, 0.8, 0.1, 0.3] });
    expect(Array.from(byScore.side)).toEqual([1, 1, 0, 0]);
    expect(byScore.seed).toBe(0);
    expect(() => chooseForeground(partition, y, { rule: 'score' })).toThrow(/expected 4 scores for the foreground scores but received undefined/);
  });
});

describe('tokenCut', () => {
  it('reproduces the Python reference mask (mean split, max-|y| seed, ndimage.label component)', () => {
    const f = loadFixture<{ keys: number[]; rows: number; cols: number; mask: number[]; planted: number[] }>('tokencut-eigh.json');
    const result = tokenCut(Float32Array.from(f.keys), { rows: f.rows, cols: f.cols });
    expect(Array.from(result.mask.data)).toEqual(f.mask);
    expect(Array.from(result.mask.data)).toEqual(f.planted);
  });

  it('finds a planted object on a 14x14 grid of 32-d keys', () => {
    const regions = rectangles(14, 14, [[3, 9, 5, 11]]);
    const result = tokenCut(plantedKeys(regions, 32, { noise: 0.3 }), { rows: 14, cols: 14 });
    expect(Array.from(result.mask.data)).toEqual(Array.from(regions));
    expect(result.mask.rows).toBe(14);
    expect(result.eigenvector.length).toBe(196);
  });

  it('returns an empty mask for constant keys', () => {
    const result = tokenCut(new Float32Array(16 * 3).fill(1), { rows: 4, cols: 4 });
    expect(result.mask.data.every((v) => v === 0)).toBe(true);
  });

  it('rejects keys that do not fill the grid', () => {
    expect(() => tokenCut(new Float32Array(10), { rows: 2, cols: 2 }))
      .toThrow('expected a multiple of 4 values (rows x cols x d) for the keys but received a Float32Array of length 10');
    expect(() => tokenCut(new Float32Array(8), { rows: 0, cols: 2 })).toThrow(/the grid's rows/);
  });
});

describe('maskCut', () => {
  it('finds two planted objects in two stages and stops there', () => {
    const regions = rectangles(16, 16, [[2, 7, 2, 8], [9, 14, 8, 14]]);
    const result = maskCut(plantedKeys(regions, 16, { noise: 0.15, seed: 11 }), { rows: 16, cols: 16 });
    const found = result.masks.map((m) => Array.from(m.data));
    const objects = [1, 2].map((label) => Array.from(regions, (r) => (r === label ? 1 : 0)));
    expect(found.length).toBeGreaterThanOrEqual(2);
    expect(found.slice(0, 2).sort()).toEqual(objects.sort());
    expect(result.eigenvectors.length).toBe(result.masks.length);
  });

  it('applies the corner prior: a large central object wins over a frame holding all four corners', () => {
    // Frame of width 1 (36 patches) around an 8x8 object. TokenCut's peak lies on the smaller frame; MaskCut flips.
    const regions = rectangles(10, 10, [[1, 9, 1, 9]]);
    const keys = plantedKeys(regions, 16, { noise: 0.15, seed: 5 });
    const token = tokenCut(keys, { rows: 10, cols: 10 });
    expect(countCornersSet(token.mask.data, { rows: 10, cols: 10 })).toBe(4);
    const masks = maskCut(keys, { rows: 10, cols: 10 }, { maxMasks: 1 }).masks;
    expect(Array.from(masks[0]!.data)).toEqual(Array.from(regions));
  });

  it('rejects invalid options', () => {
    const keys = new Float32Array(4 * 2);
    expect(() => maskCut(keys, { rows: 2, cols: 2 }, { maxMasks: 0 })).toThrow(/expected an integer >= 1 for maxMasks but received 0/);
    expect(() => maskCut(keys, { rows: 2, cols: 2 }, { overlapLimit: 2 })).toThrow(/overlapLimit/);
  });
});
