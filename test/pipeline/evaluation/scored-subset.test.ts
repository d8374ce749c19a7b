/**
 * Hardening item 4: a folder the head never saw (an external test set) is held out whole and scored, and a
 * selection that scores nothing is an error instead of empty tables.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMask, DatasetError } from '../../../src/core/index.js';
import { writeMaskPng } from '../../../src/data/index.js';
import { selectScoredImages } from '../../../src/pipeline/evaluation/index.js';
import { blobImage, writePng } from '../../helpers/explain-fixture.js';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'external-ph2-'));
  const names = ['IMD001', 'IMD002', 'IMD003', 'IMD004'];
  await mkdir(join(root, 'images'));
  await writeFile(join(root, 'labels.csv'), `name,clinical_diagnosis,label,malignant\n${names.map((n, i) => `${n},0,common_nevus,${i % 2}`).join('\n')}\n`);
  for (const [i, name] of names.entries()) {
    await writePng(join(root, 'images', `${name}.jpg`), blobImage(12, 12, i));
    await writeMaskPng(join(root, 'masks', `${name}.png`), createMask(12, 12, new Uint8Array(144).fill(1)));
  }
});
afterAll(async () => rm(root, { recursive: true, force: true }));

describe('selectScoredImages', () => {
  it('holds out every image of a folder that the head split does not cover', async () => {
    const recorded = { train: ['/elsewhere/images/a.jpg'], val: ['/elsewhere/images/b.jpg'], test: [] };
    const subset = await selectScoredImages('ph2', root, { limit: 10, seed: 0, recorded });
    expect(subset.images.map((image) => [image.id, image.part])).toEqual([['IMD001', 'held-out'], ['IMD002', 'held-out'], ['IMD003', 'held-out'], ['IMD004', 'held-out']]);
  });

  it('is an error when nothing can be scored', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'no-masks-'));
    await writeFile(join(empty, 'labels.csv'), 'name,clinical_diagnosis,label,malignant\nIMD001,0,common_nevus,0\n');
    await mkdir(join(empty, 'images'));
    await mkdir(join(empty, 'masks'));
    await writePng(join(empty, 'images', 'IMD001.jpg'), blobImage(12, 12, 1));
    await writeMaskPng(join(empty, 'masks', 'IMD001.png'), createMask(12, 12));
    // The head's split covers the folder but names no image that has a mask here.
    const recorded = { train: [join(empty, 'images', 'OTHER.jpg')], val: [], test: [] };
    await expect(selectScoredImages('ph2', empty, { limit: 10, seed: 0, recorded })).rejects.toThrow(DatasetError);
    await expect(selectScoredImages('ph2', empty, { limit: 10, seed: 0, recorded })).rejects.toThrow(/no image with a ground-truth mask/);
    await rm(empty, { recursive: true, force: true });
  });
});
