import { describe, expect, it } from 'vitest';
import { createMask, createRng, InvalidArgumentError, type Mask } from '../../src/core/index.js';
import {
  binaryClose, binaryDilate, binaryErode, binaryOpen, footprintDisk, footprintFromRows, footprintSquare,
} from '../../src/postprocess/index.js';
import { bitsOf, maskFromPicture, pictureOf } from './fixtures.js';

function randomMask(rows: number, cols: number, density: number, seed: number): Mask {
  const rng = createRng(seed);
  return createMask(rows, cols, Uint8Array.from({ length: rows * cols }, () => (rng.next() < density ? 1 : 0)));
}

const isSubset = (a: Mask, b: Mask): boolean => a.data.every((v, i) => !v || b.data[i] === 1);

describe('footprints', () => {
  it('disk(1) is the cross and disk(2) has 13 cells, like skimage.morphology.disk', () => {
    expect(Array.from(footprintDisk(1).data)).toEqual([0, 1, 0, 1, 1, 1, 0, 1, 0]);
    expect(footprintDisk(2).data.reduce((a, b) => a + b, 0)).toBe(13);
    expect(footprintDisk(0).data.length).toBe(1);
  });

  it('rejects negative or fractional sizes with the house message', () => {
    expect(() => footprintDisk(-1)).toThrow(InvalidArgumentError);
    expect(() => footprintSquare(2.5)).toThrow(/expected an integer >= 1 for the square side but received 2.5/);
    expect(() => footprintFromRows([[1, 0], [1]])).toThrow(InvalidArgumentError);
  });
});

describe('binary morphology, hand-computed', () => {
  const single = maskFromPicture(['.....', '.....', '..#..', '.....', '.....']);

  it('dilating one pixel by a footprint paints the footprint', () => {
    expect(pictureOf(binaryDilate(single, footprintDisk(1)))).toEqual(['.....', '..#..', '.###.', '..#..', '.....']);
    expect(pictureOf(binaryDilate(single, footprintSquare(3)))).toEqual(['.....', '.###.', '.###.', '.###.', '.....']);
  });

  it('erosion treats the outside as foreground (border_value=True) and dilation as background', () => {
    const full = maskFromPicture(['###', '###', '###']);
    expect(pictureOf(binaryErode(full, footprintSquare(3)))).toEqual(['###', '###', '###']);
    const corner = maskFromPicture(['#..', '...', '...']);
    expect(pictureOf(binaryDilate(corner, footprintSquare(3)))).toEqual(['##.', '##.', '...']);
  });

  it('an asymmetric footprint dilates towards its ones and erodes from them, as SciPy does', () => {
    const right = footprintFromRows([[0, 1, 1]]); // centre and one to the right
    const dot = maskFromPicture(['..#..']);
    expect(pictureOf(binaryDilate(dot, right))).toEqual(['..##.']);
    expect(pictureOf(binaryErode(maskFromPicture(['.###.']), right))).toEqual(['.##..']);
  });

  it('opening removes a speck smaller than the footprint and closing fills a one-pixel gap', () => {
    const speck = maskFromPicture(['.......', '.###...', '.###.#.', '.###...', '.......']);
    expect(pictureOf(binaryOpen(speck, footprintSquare(3)))).toEqual(['.......', '.###...', '.###...', '.###...', '.......']);
    const gap = maskFromPicture(['.........', '.........', '..##.##..', '..##.##..', '.........', '.........']);
    expect(pictureOf(binaryClose(gap, footprintSquare(3)))).toEqual(
      ['.........', '.........', '..#####..', '..#####..', '.........', '.........']);
  });

  it('closing near the frame fills to the border, the scikit-image 0.19 quirk (erosion border is foreground)', () => {
    const nearBorder = maskFromPicture(['.......', '.##.##.', '.##.##.', '.......']);
    expect(binaryClose(nearBorder, footprintSquare(3)).data.every((v) => v === 1)).toBe(true);
  });
});

describe('binary morphology, properties on random masks', () => {
  const cases = [footprintDisk(1), footprintDisk(3), footprintSquare(3), footprintSquare(4)];

  it.each(cases.map((fp, i) => [i, fp] as const))('opening and closing are idempotent (footprint %i)', (_, fp) => {
    const mask = randomMask(33, 41, 0.45, 11);
    const opened = binaryOpen(mask, fp);
    const closed = binaryClose(mask, fp);
    expect(bitsOf(binaryOpen(opened, fp))).toBe(bitsOf(opened));
    expect(bitsOf(binaryClose(closed, fp))).toBe(bitsOf(closed));
  });

  it('erosion <= mask <= dilation, and opening <= mask <= closing', () => {
    const mask = randomMask(30, 30, 0.5, 5);
    const fp = footprintDisk(2);
    expect(isSubset(binaryErode(mask, fp), mask)).toBe(true);
    expect(isSubset(mask, binaryDilate(mask, fp))).toBe(true);
    expect(isSubset(binaryOpen(mask, fp), mask)).toBe(true);
    expect(isSubset(mask, binaryClose(mask, fp))).toBe(true);
  });

  it('a footprint missing a corner (general path) dilates to a subset of the square (separable path); squares compose', () => {
    const mask = randomMask(25, 31, 0.1, 9);
    const general = footprintFromRows([[1, 1, 1, 1, 1], [1, 1, 1, 1, 1], [1, 1, 1, 1, 1], [1, 1, 1, 1, 1], [1, 1, 1, 1, 0]]);
    const withoutCorner = binaryDilate(mask, general);
    const square = binaryDilate(mask, footprintSquare(5));
    expect(isSubset(withoutCorner, square)).toBe(true);
    expect(bitsOf(binaryDilate(binaryDilate(mask, footprintSquare(3)), footprintSquare(3)))).toBe(bitsOf(square));
  });

  it('an empty mask stays empty under dilation', () => {
    expect(binaryDilate(createMask(4, 6), footprintDisk(2)).data.every((v) => v === 0)).toBe(true);
  });

  it('rejects a mask whose data length does not match rows x cols', () => {
    const bad = { rows: 3, cols: 3, data: new Uint8Array(8) };
    expect(() => binaryDilate(bad, footprintDisk(1))).toThrow(/expected 9 values for the mask's data but received 8/);
  });
});
