import { describe, expect, it } from 'vitest';
import { createMask, InvalidArgumentError } from '../../src/core/index.js';
import {
  clearBorder, fillHoles, keepLargestComponent, labelComponents, removeSmallObjects,
} from '../../src/postprocess/index.js';
import { maskFromPicture, pictureOf } from './fixtures.js';

describe('labelComponents', () => {
  const picture = maskFromPicture([
    '##..#',
    '#..#.',
    '...#.',
    '.#...',
  ]);

  it('labels in raster order with 4- and 8-connectivity, with sizes and boxes', () => {
    const four = labelComponents(picture, 4);
    expect(Array.from(four.labels)).toEqual([1, 1, 0, 0, 2, 1, 0, 0, 3, 0, 0, 0, 0, 3, 0, 0, 4, 0, 0, 0]);
    expect(four.components.map((c) => c.size)).toEqual([3, 1, 2, 1]);
    const eight = labelComponents(picture, 8);
    expect(eight.count).toBe(3);
    expect(eight.components[1]).toEqual({ label: 2, size: 3, minRow: 0, minCol: 3, maxRow: 2, maxCol: 4 });
  });

  it('merges a U shape whose arms meet late (union-find, lowest label wins)', () => {
    const u = labelComponents(maskFromPicture(['#.#', '#.#', '###']), 4);
    expect(u.count).toBe(1);
    expect(new Set(u.labels)).toEqual(new Set([0, 1]));
  });

  it('returns no components for an empty mask and rejects connectivity 6', () => {
    expect(labelComponents(createMask(3, 3)).count).toBe(0);
    expect(() => labelComponents(picture, 6 as 4)).toThrow(/expected 4 or 8 for the connectivity but received 6/);
  });
});

describe('component filters', () => {
  const picture = maskFromPicture([
    '#......',
    '..###..',
    '..#.#..',
    '..###..',
    '......#',
  ]);

  it('clearBorder drops border-touching components; a margin widens the band', () => {
    expect(pictureOf(clearBorder(picture))).toEqual(['.......', '..###..', '..#.#..', '..###..', '.......']);
    expect(clearBorder(picture, { margin: 1 }).data.every((v) => v === 0)).toBe(true);
    expect(() => clearBorder(picture, { margin: 5 })).toThrow(InvalidArgumentError);
  });

  it('removeSmallObjects keeps components of at least minSize pixels', () => {
    expect(pictureOf(removeSmallObjects(picture, 2))[0]).toBe('.......');
    expect(removeSmallObjects(picture, 8).data.reduce((a, b) => a + b, 0)).toBe(8);
    expect(removeSmallObjects(picture, 9).data.every((v) => v === 0)).toBe(true);
    expect(() => removeSmallObjects(picture, -1)).toThrow(InvalidArgumentError);
  });

  it('keepLargestComponent keeps the ring; fillHoles fills its inside but not open bays', () => {
    expect(keepLargestComponent(picture).data.reduce((a, b) => a + b, 0)).toBe(8);
    expect(pictureOf(fillHoles(picture))[2]).toBe('..###..');
    const bay = maskFromPicture(['.###.', '.#.#.', '.#...']);
    expect(pictureOf(fillHoles(bay))).toEqual(pictureOf(bay));
  });

  it('fillHoles with 8-connected background does not fill a hole that leaks diagonally', () => {
    const diagonal = maskFromPicture(['.#...', '#.#..', '.#...']);
    expect(pictureOf(fillHoles(diagonal))[1]).toBe('###..');
    expect(pictureOf(fillHoles(diagonal, { connectivity: 8 }))[1]).toBe('#.#..');
  });
});
