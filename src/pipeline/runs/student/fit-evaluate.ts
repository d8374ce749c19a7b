/**
 * Scores of a fit on the held-back part of the head's split (its validation images, which neither the head's
 * early stopping nor the student trained on as pixels): the student's masks (one forward pass + CRF) and, for
 * comparison, the round-1 teacher's pseudo-masks, against the ground-truth masks, with bootstrap intervals.
 */
import { readdir } from 'node:fs/promises';
import { basename, extname, join, resolve } from 'node:path';
import { createProgressTracker, createRng, resizeMaskNearest, type ProgressCallback } from '../../../core/index.js';
import { readImage, readMask } from '../../../data/index.js';
import type { TokenHead } from '../../../head/index.js';
import { SegmentationMetrics, type MetricsSummary } from '../../../metrics/index.js';
import type { RecordedSplit } from '../../evaluation/index.js';
import type { Classifier } from '../../model/index.js';
import { pseudoImage, pseudoMaskFromCues, segmentWithStudent, teacherTokenMap, tokensOfImages, type StudentWeights } from '../../student/index.js';
import type { FitConfig } from './fit-config.js';

type Summary = Omit<MetricsSummary, 'rows'>;

export interface FitMetrics {
  readonly part: 'held-back (validation part of the head split)';
  readonly images: number;
  readonly summary: { readonly student: Summary; readonly teacher: Summary };
  /** Median milliseconds per image of the student's segmentation (forward + student + CRF). */
  readonly medianMs: number;
}

const stemOf = (path: string): string => basename(path, extname(path));

/** Validation images of the split that have a ground-truth mask under DATA/masks (by stem), seeded subset. */
export async function heldBackImages(recorded: RecordedSplit, config: Pick<FitConfig, 'dataRoot' | 'seed' | 'evalImages'>): Promise<{ image: string; mask: string }[]> {
  const names = await readdir(join(config.dataRoot, 'masks')).catch(() => [] as string[]);
  const masks = new Map(names.map((name) => [stemOf(name).replace(/_(mask|segmentation|lesion)$/i, ''), join(config.dataRoot, 'masks', name)]));
  const paths = [...new Set(recorded.val.map((path) => resolve(path)))].sort().filter((path) => masks.has(stemOf(path)));
  return createRng(config.seed + 7).shuffle(paths).slice(0, config.evalImages).sort().map((image) => ({ image, mask: masks.get(stemOf(image))! }));
}

export const withoutRows = (summary: MetricsSummary): Summary => {
  const { rows: _rows, ...rest } = summary;
  return rest;
};

export async function evaluateStudent(
  recorded: RecordedSplit,
  context: { config: FitConfig; classifier: Classifier; student: StudentWeights; tokenHead?: TokenHead; onProgress?: ProgressCallback },
): Promise<FitMetrics> {
  const { config, classifier } = context;
  const pairs = await heldBackImages(recorded, config);
  const student = new SegmentationMetrics({ seed: config.seed, bootstrapResamples: 1000 });
  const teacher = new SegmentationMetrics({ seed: config.seed, bootstrapResamples: 1000 });
  const progress = createProgressTracker('evaluate', pairs.length, context.onProgress);
  const times: number[] = [];
  for (const pair of pairs) {
    const [image, truth] = await Promise.all([readImage(pair.image), readMask(pair.mask)]);
    const started = performance.now();
    const segmented = await segmentWithStudent(image, { model: classifier.model, head: classifier.head, student: context.student, ...(context.tokenHead ? { tokenHead: context.tokenHead } : {}), config: config.student });
    times.push(performance.now() - started);
    student.add(segmented.mask, truth, stemOf(pair.image));
    const [tokens] = await tokensOfImages([image], classifier);
    const map = teacherTokenMap(tokens!.tokens, tokens!.grid, { head: classifier.head, ...(context.tokenHead ? { tokenHead: context.tokenHead } : {}), config: config.student, predictedClass: segmented.predictedClass });
    const pseudo = pseudoMaskFromCues(pseudoImage(image, config.student.pseudoSide), { tokenMaps: { teacher: map }, grid: tokens!.grid, config: config.student });
    teacher.add(resizeMaskNearest(pseudo.mask, truth.rows, truth.cols), truth, stemOf(pair.image));
    progress.advance(1);
  }
  times.sort((a, b) => a - b);
  return {
    part: 'held-back (validation part of the head split)', images: pairs.length,
    summary: { student: withoutRows(student.result()), teacher: withoutRows(teacher.result()) },
    medianMs: times.length === 0 ? 0 : times[Math.floor(times.length / 2)]!,
  };
}
