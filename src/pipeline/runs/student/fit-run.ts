/**
 * `explainseg fit` as a run folder (issue 14, section 4): the CLS head on the dataset (train-run's folder
 * files), the token-head teacher, the patch tokens of the training images (one forward pass each), the
 * student's rounds on the teacher's and then its own pseudo-masks, scores on the held-back part of the
 * head's split, then model.json, student.json and run.json. Every stage is resumable (fit-stages.ts).
 */
import { readFile } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import {
  createProgressTracker, createRng, DatasetError, resizeMaskNearest, sha256File, writeFileAtomic, writeJsonAtomic, writeRunManifest, type ProgressCallback,
} from '../../../core/index.js';
import { listRunMasks, readImage, readMask, writeMaskPng } from '../../../data/index.js';
import { loadTokenHead, tokenTargets, type HeadModel, type TokenHead } from '../../../head/index.js';
import { readRecordedSplit, type RecordedSplit } from '../../evaluation/index.js';
import { withClassifier, type Classifier } from '../../model/index.js';
import {
  gridMap, learnStudentRound, loadStudentWeights, pseudoImage, pseudoMaskFromCues, saveStudentWeights, STUDENT_FILES, STUDENT_MODEL_KIND, STUDENT_MODEL_VERSION,
  studentProbabilities, teacherTokenMap, tokensOfImages, type ImageTokens, type LabelledTokens, type StudentRound, type StudentWeights,
} from '../../student/index.js';
import { trainHeadOnDataset } from '../../training/index.js';
import { trainTokenHeadRun } from '../maps/index.js';
import { writeTrainingRun } from '../train-run.js';
import type { FitConfig } from './fit-config.js';
import { evaluateStudent, type FitMetrics } from './fit-evaluate.js';
import { FIT_WORK_DIR, FitStages, type FitStageEvent } from './fit-stages.js';

export interface FitOptions {
  readonly out: string;
  readonly onProgress?: ProgressCallback;
  readonly onStage?: (event: FitStageEvent) => void;
}

export interface FitResult {
  readonly modelDir: string;
  readonly metrics: FitMetrics;
  readonly rounds: readonly { round: number; samples: StudentRound['samples']; threshold: number; finalLoss: number }[];
  readonly timingsMs: Record<string, number>;
}

export interface TrainingTokens {
  readonly paths: string[];
  readonly tokens: ImageTokens[];
}

const stemOf = (path: string): string => basename(path, extname(path));

/** The training part's source images (the head's split), a seeded subset of `count`, in name order. */
export function studentTrainingImages(recorded: RecordedSplit, count: number, seed: number): string[] {
  const paths = [...new Set(recorded.train.map((path) => resolve(path)))].sort();
  return createRng(seed).shuffle(paths).slice(0, count).sort();
}

async function extractTokens(paths: readonly string[], classifier: Classifier, onProgress?: ProgressCallback): Promise<TrainingTokens> {
  const progress = createProgressTracker('tokens', paths.length, onProgress);
  const tokens: ImageTokens[] = [];
  for (let start = 0; start < paths.length; start += 8) {
    const images = await Promise.all(paths.slice(start, start + 8).map((path) => readImage(path)));
    tokens.push(...(await tokensOfImages(images, classifier)));
    progress.advance(images.length);
  }
  return { paths: [...paths], tokens };
}

async function saveTokens(dir: string, set: TrainingTokens): Promise<void> {
  const perImage = set.tokens[0]!.tokens.length;
  const all = new Float32Array(set.tokens.length * perImage);
  set.tokens.forEach((t, i) => all.set(t.tokens, i * perImage));
  await writeFileAtomic(join(dir, 'tokens.f32'), new Uint8Array(all.buffer));
  await writeJsonAtomic(join(dir, 'tokens.json'), { paths: set.paths, grid: set.tokens[0]!.grid, logits: set.tokens.map((t) => Array.from(t.logits)) });
}

/** The training tokens a fit cached in its work folder (.fit/tokens.json and tokens.f32). */
export async function loadFitTokens(dir: string): Promise<TrainingTokens> {
  const index = JSON.parse(await readFile(join(dir, 'tokens.json'), 'utf8')) as { paths: string[]; grid: ImageTokens['grid']; logits: number[][] };
  const bytes = await readFile(join(dir, 'tokens.f32'));
  const all = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
  const perImage = all.length / index.paths.length;
  if (!Number.isInteger(perImage)) throw new DatasetError(`${dir}: tokens.f32 does not fit tokens.json`);
  return { paths: index.paths, tokens: index.logits.map((logits, i) => ({ grid: index.grid, logits: Float32Array.from(logits), tokens: all.slice(i * perImage, (i + 1) * perImage) })) };
}

const argmax = (values: Float32Array): number => values.indexOf(Math.max(...values));

/** Accepted corrections of a reviewed run folder by image id, with their checksums (part of a round's key). */
async function correctedMasks(runDir: string | undefined): Promise<Map<string, { path: string; sha256: string }>> {
  if (!runDir) return new Map();
  const masks = (await listRunMasks(runDir, { preferCorrected: true })).filter((mask) => mask.corrected);
  return new Map(await Promise.all(masks.map(async (mask) => [mask.id, { path: mask.path, sha256: await sha256File(mask.path) }] as const)));
}

/**
 * Pseudo-masks of one round for every training image: a reviewer's accepted correction where there is one,
 * else the teacher's map fused with the image cues (round 1) or the inference fusion of the student's map (round 2).
 */
async function labelTokens(
  set: TrainingTokens,
  context: { config: FitConfig; head: HeadModel; tokenHead?: TokenHead; previous?: StudentWeights; tokenDim: number; maskDir: string; corrections: Map<string, { path: string }>; onProgress?: ProgressCallback },
): Promise<LabelledTokens[]> {
  const { config, previous } = context;
  const progress = createProgressTracker(previous ? 'pseudo-masks (student)' : 'pseudo-masks (teacher)', set.paths.length, context.onProgress);
  const labelled: LabelledTokens[] = [];
  for (const [i, path] of set.paths.entries()) {
    const tokens = set.tokens[i]!;
    const small = pseudoImage(await readImage(path), config.student.pseudoSide);
    const corrected = context.corrections.get(stemOf(path));
    if (corrected) {
      const mask = resizeMaskNearest(await readMask(corrected.path), small.rows, small.cols);
      await writeMaskPng(join(context.maskDir, `${stemOf(path)}.png`), mask);
      labelled.push({ tokens, targets: tokenTargets(mask, tokens.grid, { minConfidence: config.student.minConfidence }) });
      progress.advance(1);
      continue;
    }
    const teacher = teacherTokenMap(tokens.tokens, tokens.grid, { head: context.head, ...(context.tokenHead ? { tokenHead: context.tokenHead } : {}), config: config.student, predictedClass: argmax(tokens.logits) });
    const pseudo = previous
      ? pseudoMaskFromCues(small, { tokenMaps: { teacher, student: gridMap(studentProbabilities(tokens, previous, context.tokenDim), tokens.grid) }, grid: tokens.grid, config: config.student, weights: config.student.cues })
      : pseudoMaskFromCues(small, { tokenMaps: { teacher }, grid: tokens.grid, config: config.student });
    await writeMaskPng(join(context.maskDir, `${stemOf(path)}.png`), pseudo.mask);
    labelled.push({ tokens, targets: pseudo.targets });
    progress.advance(1);
  }
  return labelled;
}

/**
 * Fit a student on a labelled dataset folder; a rerun of the same command resumes after the last finished stage.
 *
 * @example const { metrics } = await runFit(resolveFitConfig({ dataset: 'kvasir-seg', dataRoot, weightsPath, fast: true }), { out: 'models/kvasir' });
 */
export async function runFit(config: FitConfig, options: FitOptions): Promise<FitResult> {
  const startedAt = new Date();
  const out = resolve(options.out);
  const work = join(out, FIT_WORK_DIR);
  const stages = new FitStages(out, options.onStage);
  const progress = options.onProgress ? { onProgress: options.onProgress } : {};
  const headPath = join(out, STUDENT_FILES.head);
  const headSettings = {
    dataset: config.dataset, dataRoot: resolve(config.dataRoot), weights: resolve(config.weightsPath), seed: config.seed, head: config.head, datasetOptions: config.datasetOptions ?? {},
    ...(config.backbone ? { backbone: config.backbone } : {}),
  };
  await stages.run('head', headSettings, {
    work: async () => {
      const run = await trainHeadOnDataset({
        dataset: config.dataset, dataRoot: config.dataRoot, weightsPath: config.weightsPath, featureKind: 'cls', augmentEpochs: 0, seed: config.seed,
        ...(config.backbone ? { backbone: config.backbone } : {}),
        ...(config.datasetOptions ? { datasetOptions: config.datasetOptions } : {}), ...(config.head.maxItems ? { maxItems: config.head.maxItems } : {}), ...(config.head.epochs ? { epochs: config.head.epochs } : {}),
      }, options.onProgress);
      await writeTrainingRun(out, run, 'fit');
    },
    load: async () => void (await readFile(headPath)),
  });
  const recorded = await readRecordedSplit(join(out, 'split.json'));
  if (!recorded) throw new DatasetError(`${out}: no split.json beside head.json`);
  const tokenHeadPath = join(out, STUDENT_FILES.tokenHead);
  const usesTokenHead = config.student.teacher === 'token-head';
  await stages.run('teacher', { teacher: config.student.teacher, tokenHead: usesTokenHead ? config.tokenHead : null }, {
    work: async () => {
      if (!usesTokenHead) return;
      await trainTokenHeadRun({ dataset: config.dataset, dataRoot: config.dataRoot, weightsPath: config.weightsPath, headPath, out: dirname(tokenHeadPath), ...config.tokenHead, seed: config.seed, ...(config.datasetOptions ? { datasetOptions: config.datasetOptions } : {}) }, options.onProgress);
    },
    load: async () => void (usesTokenHead ? await readFile(tokenHeadPath) : undefined),
  });
  const tokenHead = usesTokenHead ? (await loadTokenHead(tokenHeadPath)).head : undefined;
  return withClassifier({ weightsPath: config.weightsPath, headPath, ...(config.backbone ? { backbone: config.backbone } : {}) }, async (classifier) => {
    const paths = studentTrainingImages(recorded, config.maxImages, config.seed);
    const set = await stages.run('tokens', { images: paths.length }, {
      work: async () => {
        const extracted = await extractTokens(paths, classifier, options.onProgress);
        await saveTokens(work, extracted);
        return extracted;
      },
      load: () => loadFitTokens(work),
    });
    const tokenDim = classifier.model.config.dim;
    const corrections = await correctedMasks(config.corrections);
    const correctionsKey = [...corrections].map(([id, { sha256 }]) => `${id}:${sha256}`);
    const rounds: FitResult['rounds'][number][] = [];
    let student: StudentWeights | undefined;
    for (let round = 1; round <= config.student.rounds; round++) {
      const file = join(work, `student-round-${round}.json`);
      const previous = student;
      student = await stages.run(`round-${round}`, correctionsKey.length > 0 ? { ...config.student, corrections: correctionsKey } : config.student, {
        work: async () => {
          const labelled = await labelTokens(set, { config, head: classifier.head, ...(tokenHead ? { tokenHead } : {}), ...(previous ? { previous } : {}), tokenDim, maskDir: join(out, 'pseudo-masks', `round-${round}`), corrections, ...progress });
          const result = learnStudentRound(labelled, { config: config.student, tokenDim, round, seed: config.seed, ...progress });
          await saveStudentWeights(file, result.weights);
          await writeJsonAtomic(join(work, `round-${round}.json`), { samples: result.samples, targetFraction: result.targetFraction, losses: result.losses });
          return result.weights;
        },
        load: () => loadStudentWeights(file),
      });
      const report = JSON.parse(await readFile(join(work, `round-${round}.json`), 'utf8')) as { samples: StudentRound['samples']; losses: number[] };
      rounds.push({ round, samples: report.samples, threshold: student.threshold, finalLoss: report.losses.at(-1)! });
    }
    const metricsPath = join(out, 'metrics.json');
    const metrics = await stages.run('evaluate', { evalImages: config.evalImages }, {
      work: async () => {
        const scored = await evaluateStudent(recorded, { config, classifier, student: student!, ...(tokenHead ? { tokenHead } : {}), ...progress });
        await writeJsonAtomic(metricsPath, scored);
        return scored;
      },
      load: async () => JSON.parse(await readFile(metricsPath, 'utf8')) as FitMetrics,
    });
    await saveStudentWeights(join(out, STUDENT_FILES.student), student!);
    await writeJsonAtomic(join(out, STUDENT_FILES.model), {
      kind: STUDENT_MODEL_KIND, version: STUDENT_MODEL_VERSION, dataset: config.dataset,
      backbone: { kind: classifier.kind, weightsPath: resolve(config.weightsPath), sha256: classifier.backboneSha256 }, student: config.student, config,
      files: STUDENT_FILES, metrics: { heldBack: metrics.summary, rounds },
    });
    await writeRunManifest(out, {
      command: 'fit', config, seed: config.seed, startedAt, weightFiles: { backbone: config.weightsPath }, timingsMs: { ...stages.timingsMs, total: Date.now() - startedAt.getTime() },
    });
    return { modelDir: out, metrics, rounds, timingsMs: stages.timingsMs };
  });
}
