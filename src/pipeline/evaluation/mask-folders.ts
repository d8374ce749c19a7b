/**
 * Evaluation of predicted masks against ground truth on disk: pair files by stem, check sizes up front,
 * score every pair with the metrics accumulator. Predictions are read from a folder of mask files or from a
 * `segment` run folder (ID/mask.png, or a reviewer's corrected/ID.png when asked). Shared by `evaluate` and
 * `compare`.
 */
import { readdir, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import {
  createProgressTracker, DatasetError, InputFileError, resizeMaskNearest, SizeMismatchError,
  type Mask, type ProgressCallback,
} from '../../core/index.js';
import { maskPathForImage, readImageSize, readMask, readPredictionMask } from '../../data/index.js';
import { SegmentationMetrics, type EmptyGroundTruthRule, type MetricsSummary } from '../../metrics/index.js';

/** Extensions read as masks; anything else in the folders (README, CSV, run.json) is ignored. */
export const MASK_EXTENSIONS: readonly string[] = ['.png', '.jpg', '.jpeg', '.tif', '.tiff', '.bmp', '.webp'];

export interface MaskPair {
  /** The shared stem, e.g. `cju0qx73cjw570799j4n5cjze` for `.../masks/cju0qx73cjw570799j4n5cjze.jpg`. */
  readonly id: string;
  readonly pred: string;
  readonly gt: string;
}

export interface PairMaskOptions {
  /** Stripped from the end of a prediction's stem when present (`_pred` pairs `a_pred.png` with `a.png`). */
  readonly predSuffix?: string;
  readonly gtSuffix?: string;
  /** In a segment run folder, score a reviewer's accepted correction (corrected/ID.png) where one exists. */
  readonly preferCorrected?: boolean;
}

export interface EvaluateMasksOptions {
  readonly emptyGroundTruth?: EmptyGroundTruthRule;
  readonly bootstrapResamples?: number;
  readonly seed?: number;
  /** Resize a prediction whose size differs from its ground truth (nearest neighbour) instead of failing. */
  readonly resizePred?: boolean;
  /**
   * Binarise predictions at this fraction of full scale (0.5: grey level 127 of 255). Without it a soft
   * prediction (more than two grey levels) is refused rather than scored as mostly foreground.
   */
  readonly threshold?: number;
  readonly onProgress?: ProgressCallback;
}

export interface MaskEvaluation {
  readonly summary: MetricsSummary;
  readonly emptyGroundTruth: EmptyGroundTruthRule;
  /** Ids whose prediction was resized to the ground-truth size (only with `resizePred`). */
  readonly resized: readonly string[];
  /** Ids whose prediction had more than two grey levels (binarised at `threshold`). */
  readonly soft: readonly string[];
}

/** Files read at once: enough to overlap decoding with file IO, few enough to keep memory flat. */
const READ_BATCH = 8;

/**
 * Pairs prediction and ground-truth masks by file stem. Every prediction without ground truth and every
 * ground truth without prediction is listed in one DatasetError, so one run shows the whole problem.
 */
export async function pairMaskFiles(predDir: string, gtDir: string, options: PairMaskOptions = {}): Promise<MaskPair[]> {
  const predictions = await predictionsOf(predDir, options);
  const truths = await masksByStem(gtDir, options.gtSuffix ?? '');
  const withoutTruth = [...predictions.keys()].filter((stem) => !truths.has(stem));
  const withoutPrediction = [...truths.keys()].filter((stem) => !predictions.has(stem));
  if (withoutTruth.length > 0 || withoutPrediction.length > 0) {
    throw new DatasetError(unpairedMessage(predDir, gtDir, withoutTruth.map((s) => predictions.get(s)!), withoutPrediction.map((s) => truths.get(s)!)));
  }
  return [...predictions.keys()].sort().map((id) => ({ id, pred: predictions.get(id)!, gt: truths.get(id)! }));
}

function unpairedMessage(predDir: string, gtDir: string, withoutTruth: string[], withoutPrediction: string[]): string {
  const list = (files: string[]): string => files.slice(0, 20).map((f) => `\n  - ${f}`).join('') + (files.length > 20 ? `\n  ... and ${files.length - 20} more` : '');
  const parts = ['predictions and ground truth do not pair up by file name'];
  if (withoutTruth.length > 0) parts.push(`${withoutTruth.length} prediction(s) in ${predDir} without ground truth in ${gtDir}:${list(withoutTruth)}`);
  if (withoutPrediction.length > 0) parts.push(`${withoutPrediction.length} ground truth mask(s) in ${gtDir} without prediction in ${predDir}:${list(withoutPrediction)}`);
  return parts.join('\n');
}

async function listFolder(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (error) {
    throw new InputFileError(dir, 'cannot list the folder (missing or not a folder)', { cause: error });
  }
}

/** The image folders of a segment run (each holding mask.png), by id; empty when `dir` is not one. */
async function runFolderMasks(dir: string, options: PairMaskOptions): Promise<Map<string, string>> {
  const names = (await listFolder(dir)).filter((name) => !name.startsWith('.')).sort();
  const ids = await Promise.all(names.map(async (name) => ((await stat(join(dir, name, 'mask.png')).then((s) => s.isFile(), () => false)) ? name : undefined)));
  const byId = new Map<string, string>();
  for (const id of ids) if (id) byId.set(id, (await maskPathForImage(dir, id, { preferCorrected: options.preferCorrected === true })).path);
  return byId;
}

/** Predictions keyed by stem: mask files in the folder, or else the folder read as a segment run (ID/mask.png). */
async function predictionsOf(dir: string, options: PairMaskOptions): Promise<Map<string, string>> {
  const names = await listFolder(dir);
  const hasMaskFiles = names.some((name) => !name.startsWith('.') && MASK_EXTENSIONS.includes(extname(name).toLowerCase()));
  if (!hasMaskFiles) {
    const fromRun = await runFolderMasks(dir, options);
    if (fromRun.size > 0) return fromRun;
  }
  return masksByStem(dir, options.predSuffix ?? '');
}

/** Mask files of one folder keyed by stem (suffix stripped); two files with one stem are ambiguous. */
async function masksByStem(dir: string, suffix: string): Promise<Map<string, string>> {
  const names = await listFolder(dir);
  const byStem = new Map<string, string>();
  for (const name of names.sort()) {
    const extension = extname(name).toLowerCase();
    if (name.startsWith('.') || !MASK_EXTENSIONS.includes(extension)) continue;
    let stem = name.slice(0, name.length - extension.length);
    if (suffix !== '' && stem.endsWith(suffix)) stem = stem.slice(0, stem.length - suffix.length);
    if (byStem.has(stem)) throw new DatasetError(`two masks in ${dir} share the stem '${stem}': ${byStem.get(stem)} and ${join(dir, name)}`);
    byStem.set(stem, join(dir, name));
  }
  if (byStem.size === 0) throw new DatasetError(`no mask images (${MASK_EXTENSIONS.join(' ')}) in ${dir}, and no segment run image folders (ID/mask.png)`);
  return byStem;
}

/**
 * Reads the header sizes of every pair and returns the ids that differ. Without `allowResize`, all of
 * them go into one SizeMismatchError naming both files; resizing is never silent.
 */
export async function checkPairSizes(pairs: readonly MaskPair[], options: { allowResize?: boolean } = {}): Promise<Set<string>> {
  const mismatched: string[] = [];
  const ids = new Set<string>();
  for (let start = 0; start < pairs.length; start += READ_BATCH) {
    const batch = pairs.slice(start, start + READ_BATCH);
    const sizes = await Promise.all(batch.map(async (pair) => [await readImageSize(pair.pred), await readImageSize(pair.gt)] as const));
    sizes.forEach(([pred, gt], i) => {
      if (pred.rows === gt.rows && pred.cols === gt.cols) return;
      ids.add(batch[i]!.id);
      mismatched.push(`${batch[i]!.pred} is ${pred.rows}x${pred.cols} but ${batch[i]!.gt} is ${gt.rows}x${gt.cols}`);
    });
  }
  if (mismatched.length > 0 && options.allowResize !== true) {
    const shown = mismatched.slice(0, 20).map((line) => `\n  - ${line}`).join('');
    const more = mismatched.length > 20 ? `\n  ... and ${mismatched.length - 20} more` : '';
    throw new SizeMismatchError(`${mismatched.length} prediction(s) differ in size from their ground truth (rows x cols); pass --resize-pred to resize predictions with nearest neighbour:${shown}${more}`);
  }
  return ids;
}

/**
 * Scores every pair (IoU, Dice, two-class mIoU per image; means with percentile bootstrap intervals;
 * pooled scores) in the order given. Sizes are checked for all pairs before any mask is decoded.
 */
export async function evaluateMaskPairs(pairs: readonly MaskPair[], options: EvaluateMasksOptions = {}): Promise<MaskEvaluation> {
  const metrics = new SegmentationMetrics({
    ...(options.emptyGroundTruth === undefined ? {} : { emptyGroundTruth: options.emptyGroundTruth }),
    ...(options.bootstrapResamples === undefined ? {} : { bootstrapResamples: options.bootstrapResamples }),
    ...(options.seed === undefined ? {} : { seed: options.seed }),
  });
  const toResize = await checkPairSizes(pairs, { allowResize: options.resizePred === true });
  const progress = createProgressTracker('evaluate', pairs.length, options.onProgress);
  const threshold = options.threshold === undefined ? {} : { threshold: Math.round(255 * options.threshold) };
  const soft: MaskPair[] = [];
  for (let start = 0; start < pairs.length; start += READ_BATCH) {
    const batch = pairs.slice(start, start + READ_BATCH);
    const masks = await Promise.all(batch.map(async (pair) => [await readPredictionMask(pair.pred, threshold), await readMask(pair.gt)] as const));
    masks.forEach(([pred, gt], i) => {
      const id = batch[i]!.id;
      if (pred.soft) soft.push(batch[i]!);
      metrics.add(toResize.has(id) ? fitTo(pred.mask, gt) : pred.mask, gt, id);
    });
    progress.advance(batch.length);
  }
  if (soft.length > 0 && options.threshold === undefined) throw softPredictionsError(soft);
  return {
    summary: metrics.result(),
    emptyGroundTruth: options.emptyGroundTruth ?? 'one-if-empty-prediction',
    resized: pairs.filter((pair) => toResize.has(pair.id)).map((pair) => pair.id),
    soft: soft.map((pair) => pair.id),
  };
}

function softPredictionsError(soft: readonly MaskPair[]): DatasetError {
  const shown = soft.slice(0, 10).map((pair) => `\n  - ${pair.pred}`).join('') + (soft.length > 10 ? `\n  ... and ${soft.length - 10} more` : '');
  return new DatasetError(`${soft.length} prediction(s) are soft maps (more than two grey levels), not masks; binarise them with --threshold T (a fraction of full scale, e.g. 0.5) or give the mask files:${shown}`);
}

function fitTo(pred: Mask, gt: Mask): Mask {
  return pred.rows === gt.rows && pred.cols === gt.cols ? pred : resizeMaskNearest(pred, gt.rows, gt.cols);
}

/** Pairs the folders and evaluates them: the whole `evaluate` command without its files and printing. */
export async function evaluateMaskFolders(predDir: string, gtDir: string, options: EvaluateMasksOptions & PairMaskOptions = {}): Promise<MaskEvaluation & { pairs: MaskPair[] }> {
  const pairs = await pairMaskFiles(predDir, gtDir, options);
  return { ...(await evaluateMaskPairs(pairs, options)), pairs };
}
