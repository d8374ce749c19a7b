import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { countByLabel, loadDataset, splitDataset } from '../../src/data/index.js';

const DATA = '../shared/data';

describe.skipIf(!existsSync(DATA))('real datasets in ../shared/data (skipped: folder absent)', () => {
  it('bus-bra: 533 benign / 260 malignant from labels.csv, no case in two splits', async () => {
    const dataset = await loadDataset('bus-bra', `${DATA}/bus-bra`);
    expect(dataset.classes).toEqual(['benign', 'malignant']);
    expect(countByLabel(dataset.items, 2)).toEqual([533, 260]);
    expect(dataset.items.every((item) => item.maskPath && item.group?.startsWith('case-'))).toBe(true);
    const split = splitDataset(dataset.items, { seed: 0 });
    const cases = (part: typeof split.train) => new Set(part.map((item) => item.group));
    const [train, val, test] = [cases(split.train), cases(split.val), cases(split.test)];
    for (const group of train) expect(val.has(group) || test.has(group)).toBe(false);
    for (const group of val) expect(test.has(group)).toBe(false);
    expect(split.train.length / dataset.items.length).toBeCloseTo(0.7, 1);
  });

  it('ph2: 123 nevi / 35 melanomas; 61 / 62 / 35 with three classes', async () => {
    expect(countByLabel((await loadDataset('ph2', `${DATA}/ph2`)).items, 2)).toEqual([123, 35]);
    expect(countByLabel((await loadDataset('ph2', `${DATA}/ph2`, { labels: 'three' })).items, 3)).toEqual([61, 62, 35]);
  });

  it('kvasir-seg: balanced polyp / background patches from the first 12 frames', async () => {
    const dataset = await loadDataset('kvasir-seg', `${DATA}/kvasir-seg`, { limit: 12 });
    const [negatives, positives] = countByLabel(dataset.items, 2);
    expect(negatives).toBe(positives);
    expect(positives).toBeGreaterThan(12);
    expect(new Set(dataset.items.map((item) => item.group)).size).toBeLessThanOrEqual(12);
  });

  it('monuseg: balanced nuclei / background patches from 2 tiles', async () => {
    const dataset = await loadDataset('monuseg', `${DATA}/monuseg`, { limit: 2 });
    const [negatives, positives] = countByLabel(dataset.items, 2);
    expect(negatives).toBe(positives);
    expect(positives).toBeGreaterThan(50);
    expect(dataset.items[0]!.crop!.rows).toBe(32);
  });
});
