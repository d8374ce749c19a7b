import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DatasetError, InvalidArgumentError } from '../../../src/core/index.js';
import { partImagePaths, selectPartImages } from '../../../src/pipeline/evaluation/index.js';

const recorded = { train: ['/d/images/a.png', '/d/images/b.png'], val: ['/d/images/c.png'], test: ['/d/images/d.png', '/d/images/a.png'] };

describe('partImagePaths', () => {
  it('development is train + val; test leaves out any image the head also trained or validated on', () => {
    expect(partImagePaths(recorded, 'development')).toEqual(['/d/images/a.png', '/d/images/b.png', '/d/images/c.png']);
    expect(partImagePaths(recorded, 'test')).toEqual(['/d/images/d.png']);
    expect(() => partImagePaths(recorded, 'validation' as 'test')).toThrow(InvalidArgumentError);
  });
});

describe('selectPartImages', () => {
  it('keeps images with a mask, takes a seeded subset of the limit and sorts it by id', async () => {
    const root = await mkdtemp(join(tmpdir(), 'parts-'));
    await mkdir(join(root, 'masks'));
    for (const stem of ['a', 'b', 'c']) await writeFile(join(root, 'masks', `${stem}.png`), '');
    const split = { train: ['a', 'b', 'x'].map((s) => join(root, 'images', `${s}.png`)), val: [join(root, 'images', 'c.png')], test: [] };
    const all = await selectPartImages(root, split, { part: 'development', limit: 10, seed: 0 });
    expect(all.map((image) => image.id)).toEqual(['a', 'b', 'c']);
    expect(all[0]!.maskPath).toBe(join(root, 'masks', 'a.png'));
    const two = await selectPartImages(root, split, { part: 'development', limit: 2, seed: 0 });
    expect(two).toHaveLength(2);
    expect(await selectPartImages(root, split, { part: 'development', limit: 2, seed: 0 })).toEqual(two);
  });

  it('throws DatasetError without a masks folder', async () => {
    const root = await mkdtemp(join(tmpdir(), 'parts-'));
    await expect(selectPartImages(root, recorded, { part: 'test', limit: 1, seed: 0 })).rejects.toThrow(DatasetError);
  });
});
