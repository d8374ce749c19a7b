import { describe, expect, it } from 'vitest';
import { createMask, createRng, InvalidArgumentError } from '../../src/core/index.js';
import { balanceByLabel, countByLabel, countInRect, integralMask, labelPatches, patchGrid, patchSizeFor, type DatasetItem } from '../../src/data/index.js';

/** 8 x 8 mask: the top-left 4 x 4 quarter is full, the top-right quarter has 4 pixels (25 %), one pixel bottom-right. */
function quarterMask() {
  const mask = createMask(8, 8);
  for (let y = 0; y < 4; y++) for (let x = 0; x < 4; x++) mask.data[y * 8 + x] = 1;
  for (const [y, x] of [[0, 4], [0, 5], [1, 4], [1, 5]] as const) mask.data[y * 8 + x] = 1;
  mask.data[7 * 8 + 7] = 1;
  return mask;
}

describe('patch grid and labels', () => {
  it('counts rectangles with the integral image', () => {
    const mask = quarterMask();
    const table = integralMask(mask);
    expect(countInRect(table, 8, { top: 0, left: 0, rows: 8, cols: 8 })).toBe(21);
    expect(countInRect(table, 8, { top: 0, left: 4, rows: 4, cols: 4 })).toBe(4);
    expect(countInRect(table, 8, { top: 1, left: 3, rows: 2, cols: 3 })).toBe(4);
  });

  it('lays out only whole patches', () => {
    expect(patchGrid(10, 9, 4).map((c) => [c.top, c.left])).toEqual([[0, 0], [0, 4], [4, 0], [4, 4]]);
    expect(patchGrid(6, 6, 4, 2).length).toBe(4);
    expect(patchSizeFor(400, 300)).toBe(75);
    expect(patchSizeFor(400, 300, { size: 32 })).toBe(32);
  });

  it.each([
    // positive threshold, negative threshold -> labels of the 4 quarters (TL 100 %, TR 25 %, BL 0 %, BR 1/16)
    [0.25, 0, [1, 1, 0]],
    [0.5, 0, [1, 0]],
    [0.5, 0.1, [1, 0, 0]],
  ] as const)('positive at >= %s, negative at <= %s', (positiveFraction, negativeFraction, labels) => {
    const patches = labelPatches(quarterMask(), { size: 4, positiveFraction, negativeFraction });
    expect(patches.map((p) => p.label)).toEqual(labels);
  });

  it('gives the exact foreground fraction and rejects thresholds in the wrong order', () => {
    const patches = labelPatches(quarterMask(), { size: 4, positiveFraction: 0.2, negativeFraction: 0.1 });
    expect(patches.map((p) => p.foregroundFraction)).toEqual([1, 0.25, 0, 1 / 16]);
    expect(() => labelPatches(quarterMask(), { positiveFraction: 0.1, negativeFraction: 0.2 })).toThrow(InvalidArgumentError);
    expect(labelPatches(createMask(3, 3), { size: 4 })).toEqual([]);
  });
});

describe('balanceByLabel', () => {
  const items: DatasetItem[] = Array.from({ length: 13 }, (_, i) => ({ id: `p${i}`, imagePath: 'x', label: i < 10 ? 0 : i < 12 ? 1 : 2 }));

  it('subsamples every class to the smallest, deterministically per seed, keeping order', () => {
    const twoClass = items.filter((item) => item.label < 2);
    const balanced = balanceByLabel(twoClass, 2, createRng(3));
    expect(countByLabel(balanced, 2)).toEqual([2, 2]);
    expect(balanced).toEqual(balanceByLabel(twoClass, 2, createRng(3)));
    const positions = balanced.map((item) => twoClass.indexOf(item));
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
    const picks = new Set(Array.from({ length: 20 }, (_, seed) => balanceByLabel(twoClass, 2, createRng(seed)).map((i) => i.id).join()));
    expect(picks.size).toBeGreaterThan(5);
  });

  it('ignores absent classes and returns nothing for no items', () => {
    expect(countByLabel(balanceByLabel(items, 4, createRng(0)), 4)).toEqual([1, 1, 1, 0]);
    expect(balanceByLabel([], 2, createRng(0))).toEqual([]);
  });
});
