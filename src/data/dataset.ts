import { DatasetError, type Rng } from '../core/index.js';
import type { CropRect } from './batch.js';
import { readImageSize } from './images/image-io.js';

/** One example: an image file (or a crop of one), its class index and, where known, its mask and patient. */
export interface DatasetItem {
  readonly id: string;
  readonly imagePath: string;
  readonly maskPath?: string;
  /** Index into `Dataset.classes`. */
  readonly label: number;
  /** Patient or source image; splits never put one group in two parts. */
  readonly group?: string;
  /** For patch datasets: the patch inside the image. */
  readonly crop?: CropRect;
}

export interface DatasetWarning {
  readonly file: string;
  readonly problem: string;
}

export interface Dataset {
  readonly name: string;
  readonly classes: string[];
  readonly items: DatasetItem[];
  /** Problems skipped because `skipBad` was set; empty otherwise. */
  readonly warnings: DatasetWarning[];
}

export interface AdapterOptions {
  /** Return bad files as warnings instead of throwing one DatasetError listing them all. */
  skipBad?: boolean;
  /** Use only the first `limit` labelled images (sorted by name): quick runs and tests. */
  limit?: number;
}

export const IMAGE_EXTENSIONS: readonly string[] = ['.png', '.jpg', '.jpeg', '.tif', '.tiff', '.webp'];

/** Gathers every problem before deciding, so one run reports all offenders rather than the first. */
export class ProblemList {
  readonly problems: DatasetWarning[] = [];

  add(file: string, problem: string): void {
    this.problems.push({ file, problem });
  }

  has(file: string): boolean {
    return this.problems.some((entry) => entry.file === file);
  }

  /** Throws a DatasetError naming every offender, unless `skipBad` turns them into warnings. */
  settle(datasetName: string, skipBad: boolean | undefined): DatasetWarning[] {
    if (this.problems.length === 0 || skipBad) return [...this.problems];
    const lines = this.problems.map((entry) => `  - ${entry.file}: ${entry.problem}`);
    throw new DatasetError(`dataset ${datasetName} has ${this.problems.length} problem(s):\n${lines.join('\n')}`);
  }
}

/**
 * Checks that each image (and its mask, when given) is a readable image and that both have one size.
 * Only headers are read here; pixels are decoded when the pipeline loads an item.
 */
export async function checkImageFiles(items: readonly DatasetItem[], problems: ProblemList): Promise<DatasetItem[]> {
  const good: DatasetItem[] = [];
  for (const item of items) {
    const image = await sizeOrProblem(item.imagePath, problems);
    const mask = item.maskPath === undefined ? image : await sizeOrProblem(item.maskPath, problems);
    if (!image || !mask) continue;
    if (image.rows !== mask.rows || image.cols !== mask.cols) {
      problems.add(item.maskPath!, `expected ${image.rows}x${image.cols} (the size of ${item.imagePath}) for the mask but received ${mask.rows}x${mask.cols}`);
      continue;
    }
    good.push(item);
  }
  return good;
}

async function sizeOrProblem(path: string, problems: ProblemList): Promise<{ rows: number; cols: number } | undefined> {
  try {
    return await readImageSize(path);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    problems.add(path, message.startsWith(`${path}: `) ? message.slice(path.length + 2) : message);
    return undefined;
  }
}

/** Every class must keep at least one item; an empty class cannot be learnt or evaluated. */
export function checkClassesPresent(classes: readonly string[], items: readonly DatasetItem[], where: string, problems: ProblemList): void {
  const counts = countByLabel(items, classes.length);
  counts.forEach((count, label) => {
    if (count === 0) problems.add(where, `class '${classes[label]}' has no items`);
  });
}

export function countByLabel(items: readonly DatasetItem[], classCount: number): number[] {
  const counts = new Array<number>(classCount).fill(0);
  for (const item of items) counts[item.label]!++;
  return counts;
}

/**
 * Subsamples every class down to the size of the smallest one, uniformly at random from `rng`;
 * kept items stay in their original order so that the result depends on the seed alone.
 */
export function balanceByLabel(items: readonly DatasetItem[], classCount: number, rng: Rng): DatasetItem[] {
  const byLabel = Array.from({ length: classCount }, () => [] as number[]);
  items.forEach((item, index) => byLabel[item.label]!.push(index));
  const present = byLabel.filter((indices) => indices.length > 0);
  if (present.length === 0) return [];
  const target = Math.min(...present.map((indices) => indices.length));
  const kept = present.flatMap((indices) => rng.shuffle([...indices]).slice(0, target));
  return kept.sort((a, b) => a - b).map((index) => items[index]!);
}
