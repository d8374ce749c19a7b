import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../src/core/index.js';
import { countByLabel, splitDataset, type DatasetItem } from '../../src/data/index.js';

/** 60 patients with 1-3 images each; a third of the patients are positive. */
function patients(): DatasetItem[] {
  const items: DatasetItem[] = [];
  for (let p = 0; p < 60; p++) for (let k = 0; k <= p % 3; k++) items.push({ id: `p${p}-${k}`, imagePath: 'x', label: p % 3 === 0 ? 1 : 0, group: `p${p}` });
  return items;
}

describe('splitDataset', () => {
  it('never puts one group in two parts and uses every item once', () => {
    const split = splitDataset(patients(), { seed: 5 });
    const groupsOf = (items: DatasetItem[]) => new Set(items.map((i) => i.group));
    const [train, val, test] = [groupsOf(split.train), groupsOf(split.val), groupsOf(split.test)];
    for (const group of train) expect(val.has(group) || test.has(group)).toBe(false);
    for (const group of val) expect(test.has(group)).toBe(false);
    expect(split.train.length + split.val.length + split.test.length).toBe(patients().length);
  });

  it('is deterministic for a seed and differs across seeds', () => {
    expect(splitDataset(patients(), { seed: 5 })).toEqual(splitDataset(patients(), { seed: 5 }));
    expect(splitDataset(patients(), { seed: 6 }).test).not.toEqual(splitDataset(patients(), { seed: 5 }).test);
  });

  it('keeps each label near its share in every part (stratified)', () => {
    const items: DatasetItem[] = Array.from({ length: 200 }, (_, i) => ({ id: `i${i}`, imagePath: 'x', label: i % 4 === 0 ? 1 : 0 }));
    const split = splitDataset(items, { seed: 1, fractions: { train: 0.6, val: 0.2, test: 0.2 } });
    expect(countByLabel(split.train, 2)).toEqual([90, 30]);
    expect(countByLabel(split.val, 2)).toEqual([30, 10]);
    expect(countByLabel(split.test, 2)).toEqual([30, 10]);
  });

  it('rejects fractions that do not sum to 1 and handles an empty list', () => {
    expect(() => splitDataset(patients(), { fractions: { train: 0.5, val: 0.2, test: 0.2 } })).toThrow(InvalidArgumentError);
    expect(splitDataset([], {})).toEqual({ train: [], val: [], test: [] });
  });
});
