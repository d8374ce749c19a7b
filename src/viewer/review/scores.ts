/**
 * Ground truth for the viewer and the report: masks matched to image ids by file stem in a `--gt` folder,
 * else the copy a demo run keeps as RUN/ID/truth.png; per-image IoU/Dice and foreground fractions from
 * src/metrics, cached by the files' modification times so polling a large run stays cheap.
 */
import { readdir, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { InputFileError, resizeMaskNearest, type Mask } from '../../core/index.js';
import { readMask } from '../../data/index.js';
import { confusionCounts, diceFromCounts, iouFromCounts, type ConfusionCounts } from '../../metrics/index.js';

const MASK_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg', '.tif', '.tiff', '.bmp', '.webp']);

/** Suffixes a ground-truth stem may carry beyond the image id (ISIC's `_segmentation`, `_mask`). */
const GT_SUFFIXES = ['', '_segmentation', '_mask', '_gt', '_lesion'];

/** Mask files of a folder by stem; throws InputFileError when the folder cannot be listed. */
export async function groundTruthIndex(dir: string): Promise<Map<string, string>> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    throw new InputFileError(dir, 'cannot list the ground-truth folder', { cause: error });
  }
  const byStem = new Map<string, string>();
  for (const name of names.sort()) {
    const extension = extname(name).toLowerCase();
    if (!name.startsWith('.') && MASK_EXTENSIONS.has(extension)) byStem.set(name.slice(0, -extension.length), join(dir, name));
  }
  return byStem;
}

/** The ground-truth file of an image id in an index, trying the usual suffixes. */
export function findGroundTruth(index: ReadonlyMap<string, string>, id: string): string | undefined {
  for (const suffix of GT_SUFFIXES) {
    const path = index.get(`${id}${suffix}`);
    if (path) return path;
  }
  return undefined;
}

export interface MaskScore {
  readonly counts: ConfusionCounts;
  readonly iou: number;
  readonly dice: number;
  /** Share of foreground pixels in the prediction and in the ground truth. */
  readonly predictedFraction: number;
  readonly trueFraction: number;
}

function fraction(mask: Mask): number {
  let on = 0;
  for (const v of mask.data) on += v;
  return on / mask.data.length;
}

/** IoU and Dice of a prediction against a ground truth (the prediction resized nearest when sizes differ). */
export function scoreMasks(pred: Mask, gt: Mask): MaskScore {
  const fitted = pred.rows === gt.rows && pred.cols === gt.cols ? pred : resizeMaskNearest(pred, gt.rows, gt.cols);
  const counts = confusionCounts(fitted, gt);
  return { counts, iou: iouFromCounts(counts), dice: diceFromCounts(counts), predictedFraction: fraction(fitted), trueFraction: fraction(gt) };
}

async function modified(path: string): Promise<number | undefined> {
  return (await stat(path).catch(() => undefined))?.mtimeMs;
}

/** Scores and ground-truth fractions, recomputed only when one of the two files changed. */
export class ScoreCache {
  private readonly scores = new Map<string, { key: string; score: MaskScore }>();
  private readonly truths = new Map<string, { key: string; fraction: number }>();

  /** The score of `predPath` against `gtPath`, or undefined when either cannot be read. */
  async score(predPath: string, gtPath: string): Promise<MaskScore | undefined> {
    const [predMs, gtMs] = await Promise.all([modified(predPath), modified(gtPath)]);
    if (predMs === undefined || gtMs === undefined) return undefined;
    const key = `${predMs}:${gtMs}`;
    const cacheKey = `${predPath}\0${gtPath}`;
    const cached = this.scores.get(cacheKey);
    if (cached?.key === key) return cached.score;
    try {
      const score = scoreMasks(await readMask(predPath), await readMask(gtPath));
      this.scores.set(cacheKey, { key, score });
      return score;
    } catch {
      return undefined;
    }
  }

  /** Foreground fraction of a ground-truth mask, or undefined when it cannot be read. */
  async trueFraction(gtPath: string): Promise<number | undefined> {
    const key = String(await modified(gtPath));
    const cached = this.truths.get(gtPath);
    if (cached?.key === key) return cached.fraction;
    try {
      const value = fraction(await readMask(gtPath));
      this.truths.set(gtPath, { key, fraction: value });
      return value;
    } catch {
      return undefined;
    }
  }
}
