/**
 * Which images a comparison scores: a fixed, seeded subset of the images that have a ground-truth mask,
 * taken first from the parts of the split the head never trained on (validation and test), the same split
 * `train` made (same adapter, options and seed), and only then, if the held-out part is too small (PH2), from
 * the training part — each image is labelled with the part it came from, so tables can say so.
 */
import { readdir, readFile } from 'node:fs/promises';
import { basename, extname, join, resolve } from 'node:path';
import { createRng, DatasetError } from '../../core/index.js';
import { loadDataset, splitDataset, type DatasetKind, type DatasetItem, type LoadDatasetOptions } from '../../data/index.js';

export interface ScoredImage {
  readonly id: string;
  readonly imagePath: string;
  readonly maskPath: string;
  readonly part: 'held-out' | 'train';
}

const stemOf = (path: string): string => basename(path, extname(path));

async function masksByStem(root: string): Promise<Map<string, string>> {
  const names = await readdir(join(root, 'masks')).catch(() => {
    throw new DatasetError(`${join(root, 'masks')}: no masks folder; a comparison needs ground-truth masks`);
  });
  return new Map(names.map((name) => [stemOf(name), join(root, 'masks', name)]));
}

function uniqueImages(items: readonly DatasetItem[]): string[] {
  return [...new Set(items.map((item) => item.imagePath))];
}

export interface ScoredSubset {
  readonly images: ScoredImage[];
  /** Masks of training-part images (for priors that must not peek at the scored masks), at most 50. */
  readonly trainingMasks: string[];
}

/** The image paths of each part as `train` recorded them in split.json next to head.json. */
export interface RecordedSplit {
  readonly train: readonly string[];
  readonly val: readonly string[];
  readonly test: readonly string[];
}

export async function readRecordedSplit(path: string): Promise<RecordedSplit | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as RecordedSplit;
  } catch {
    return undefined;
  }
}

/** Whether a recorded split names any image under `root` (else the folder is one the head never saw). */
function splitCovers(recorded: RecordedSplit, root: string): boolean {
  const prefix = resolve(root);
  return [...recorded.train, ...recorded.val, ...recorded.test].some((path) => resolve(path).startsWith(prefix));
}

async function partsOf(kind: DatasetKind, root: string, options: { seed: number; datasetOptions?: LoadDatasetOptions; recorded?: RecordedSplit }): Promise<{ trained: Set<string>; heldOut: string[] }> {
  if (options.recorded && !splitCovers(options.recorded, root)) {
    // An external test set: the head trained on none of it, so every image is held out.
    const dataset = await loadDataset(kind, root, { seed: options.seed, ...options.datasetOptions });
    return { trained: new Set(), heldOut: uniqueImages(dataset.items).map((path) => resolve(path)) };
  }
  if (options.recorded) {
    const trained = new Set(options.recorded.train.map((path) => resolve(path)));
    const heldOut = [...new Set([...options.recorded.val, ...options.recorded.test].map((path) => resolve(path)))].filter((path) => !trained.has(path));
    return { trained, heldOut };
  }
  const dataset = await loadDataset(kind, root, { seed: options.seed, ...options.datasetOptions });
  const split = splitDataset(dataset.items, { seed: options.seed });
  const trained = new Set(uniqueImages(split.train).map((path) => resolve(path)));
  return { trained, heldOut: uniqueImages([...split.val, ...split.test]).map((path) => resolve(path)).filter((path) => !trained.has(path)) };
}

/**
 * `recorded` (the split the head was trained on, from split.json) is preferred; without it the split is made
 * again from the adapter with the same seed, which matches `train` run with default options. A folder the
 * recorded split does not cover (an external test set) is held out whole. Selecting nothing is a
 * DatasetError: a comparison that scores no image must not pass for one that scored well.
 */
export async function selectScoredImages(
  kind: DatasetKind,
  root: string,
  options: { limit: number; seed: number; datasetOptions?: LoadDatasetOptions; recorded?: RecordedSplit },
): Promise<ScoredSubset> {
  const parts = await partsOf(kind, root, options);
  const trained = parts.trained;
  const heldOut = [...parts.heldOut].sort();
  const training = [...trained].sort();
  const masks = await masksByStem(root);
  const withMask = (paths: string[], part: ScoredImage['part']): ScoredImage[] =>
    paths.filter((path) => masks.has(stemOf(path)) && resolve(path).startsWith(resolve(root))).map((path) => ({ id: stemOf(path), imagePath: path, maskPath: masks.get(stemOf(path))!, part }));
  const rng = createRng(options.seed);
  const chosen = rng.shuffle(withMask(heldOut, 'held-out')).slice(0, options.limit);
  if (chosen.length < options.limit) chosen.push(...rng.shuffle(withMask(training, 'train')).slice(0, options.limit - chosen.length));
  if (chosen.length === 0) throw new DatasetError(`${root}: no image with a ground-truth mask in ${join(root, 'masks')} to score (after the head's split)`);
  const scored = new Set(chosen.map((image) => image.imagePath));
  const trainingMasks = withMask(training, 'train').filter((image) => !scored.has(image.imagePath)).slice(0, 50).map((image) => image.maskPath);
  return { images: chosen.sort((a, b) => (a.id < b.id ? -1 : 1)), trainingMasks };
}
