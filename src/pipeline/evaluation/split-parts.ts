/**
 * The two parts of a head's split that an honest protocol keeps apart (issue 14, section 5): the
 * development part (the images the head trained or validated on, where settings are chosen) and the test
 * part (never seen by the head, where results are reported). split.json next to head.json records them.
 */
import { readdir } from 'node:fs/promises';
import { basename, extname, join, resolve } from 'node:path';
import { createRng, DatasetError, ensureOneOf } from '../../core/index.js';
import type { RecordedSplit } from './scored-subset.js';

export const SPLIT_PARTS = ['development', 'test'] as const;
export type SplitPart = (typeof SPLIT_PARTS)[number];

export interface PartImage {
  readonly id: string;
  readonly imagePath: string;
  readonly maskPath: string;
  readonly part: SplitPart;
}

const stemOf = (path: string): string => basename(path, extname(path));

/** Absolute image paths of a part: development = train + val; test = test minus any image also in train or val. */
export function partImagePaths(recorded: RecordedSplit, part: SplitPart): string[] {
  const development = new Set([...recorded.train, ...recorded.val].map((path) => resolve(path)));
  if (ensureOneOf(part, 'the split part', SPLIT_PARTS) === 'development') return [...development].sort();
  return [...new Set(recorded.test.map((path) => resolve(path)))].filter((path) => !development.has(path)).sort();
}

/**
 * A seeded subset of `limit` images of one part that have a mask under `root/masks` (matched by file stem),
 * sorted by id. Throws DatasetError when the dataset has no masks folder.
 *
 * @example await selectPartImages('../shared/data/ph2', recorded, { part: 'test', limit: 20, seed: 0 })
 */
export async function selectPartImages(root: string, recorded: RecordedSplit, options: { part: SplitPart; limit: number; seed: number }): Promise<PartImage[]> {
  const names = await readdir(join(root, 'masks')).catch(() => {
    throw new DatasetError(`${join(root, 'masks')}: no masks folder; map scores need ground-truth masks`);
  });
  const masks = new Map(names.map((name) => [stemOf(name), join(root, 'masks', name)]));
  const inRoot = partImagePaths(recorded, options.part).filter((path) => path.startsWith(resolve(root)) && masks.has(stemOf(path)));
  const chosen = createRng(options.seed).shuffle(inRoot).slice(0, options.limit);
  return chosen.map((path) => ({ id: stemOf(path), imagePath: path, maskPath: masks.get(stemOf(path))!, part: options.part })).sort((a, b) => (a.id < b.id ? -1 : 1));
}
