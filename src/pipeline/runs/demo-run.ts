/**
 * `explainseg demo`: from a labelled folder to scored masks in one call. By default `fit --fast` (head,
 * teacher, student; resumable) into OUT/model and the student's masks; with method 'paper', Algorithm 1 of
 * the paper: train the linear head (or reuse the one a previous demo left in OUT/head) and one of its four
 * variants. Either way a fixed seeded subset of images the head never trained on is segmented, scored
 * against the ground truth and written to a report folder. The CLI command
 * is a thin layer over `runDemo`; phases and progress reach the caller through callbacks.
 */
import { readFile, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import {
  createRng, createStopwatch, ensureInteger, sha256File, sha256Path, writeRunManifest, WeightsError, type ProgressCallback,
} from '../../core/index.js';
import { resolveWeightsPath } from '../../backbone/index.js';
import { DATASET_KINDS, type DatasetKind } from '../../data/index.js';
import { describeConfig, type PipelineConfig } from '../config/index.js';
import { selectScoredImages, type ScoredImage } from '../evaluation/index.js';
import { withClassifier } from '../model/index.js';
import { trainHeadOnDataset, type TrainHeadRunConfig } from '../training/index.js';
import { evaluateDemoImages, writeDemoReport, type DemoEvaluation, type HtmlReportWriter } from './demo-report.js';
import { runSegmentation, type SegmentRunSummary } from './segment-run.js';
import { resolveFitConfig, runFit, runStudentSegmentFolder } from './student/index.js';
import { writeTrainingRun } from './train-run.js';

/** The weights the project ships for trying things out; not the paper's DINO checkpoint. */
export const STAND_IN_WEIGHTS = '../shared/weights/vit-s16-ssl/vit-s16-ssl.safetensors';

export type DemoPhase = 'weights' | 'head' | 'select' | 'segment' | 'evaluate' | 'report';

export interface DemoPhaseEvent {
  readonly phase: DemoPhase;
  readonly message: string;
}

export interface DemoOptions {
  readonly dataset: DatasetKind;
  readonly dataRoot: string;
  readonly weightsPath: string;
  readonly outDir: string;
  /** The resolved pipeline config (variant, presets and flags already merged); its seed drives everything. */
  readonly config: PipelineConfig;
  /** Variant name shown in the report (the config already carries its settings). */
  readonly variant: string;
  /**
   * 'student' (default): `fit --fast` into OUT/model, then `segment --model` (ExplainSeg-ST, issue 14);
   * 'paper': the linear head and the paper's variant of `config`.
   */
  readonly method?: 'student' | 'paper';
  /** Images to segment and score (default 12). */
  readonly limit?: number;
  /** Training items for the head: a seeded subset (default: all). Patch datasets have thousands. */
  readonly trainItems?: number;
  readonly threads?: number;
  /** Post-processing worker threads of the segment run (default 1; 0 = on this thread). */
  readonly postprocessWorkers?: number;
  /** Writes report/index.html (the CLI passes the viewer's writeHtmlReport); without it only the data files are written. */
  readonly writeHtml?: HtmlReportWriter;
  /** The command line, recorded in run.json. */
  readonly command?: string;
  readonly onPhase?: (event: DemoPhaseEvent) => void;
  readonly onProgress?: ProgressCallback;
}

export interface DemoResult {
  readonly headPath: string;
  readonly headReused: boolean;
  readonly images: readonly ScoredImage[];
  readonly segmentation: SegmentRunSummary;
  readonly evaluation: DemoEvaluation;
  readonly reportDir: string;
  /** report/index.html, when a writer was given. */
  readonly indexHtml?: string;
  /** Milliseconds per phase, and 'total'. */
  readonly timingsMs: Record<string, number>;
}

/** Guess the dataset kind from a folder name ('.../kvasir-seg' -> 'kvasir-seg'); undefined when none fits. */
export function guessDatasetKind(dataRoot: string): DatasetKind | undefined {
  const name = basename(resolve(dataRoot)).toLowerCase().replace(/_/g, '-');
  return DATASET_KINDS.find((kind) => kind !== 'generic' && (name === kind || name.startsWith(`${kind}-`) || name === kind.replace('-', '')));
}

/**
 * `--weights`, then EXPLAINSEG_WEIGHTS, then the cache. When none has weights, the error also names the
 * stand-in checkpoint, so a first run does not end without a way forward.
 */
export async function resolveDemoWeights(options: Parameters<typeof resolveWeightsPath>[0] = {}): Promise<{ path: string; source: 'flag' | 'env' | 'cache' }> {
  try {
    return await resolveWeightsPath(options);
  } catch (error) {
    if (!(error instanceof WeightsError)) throw error;
    throw new WeightsError(error.file, [...error.problems, `to try the demo without downloading, pass --weights ${STAND_IN_WEIGHTS} (a stand-in ViT-S/16, not the paper's DINO weights)`], { cause: error });
  }
}

/** What a cached head must have been trained with to be reused. */
interface HeadIdentity {
  readonly weightsSha256: string;
  readonly dataset: DatasetKind;
  readonly dataRoot: string;
  readonly seed: number;
  readonly inputSize: number;
  readonly trainItems: number | null;
}

/** Written by writeTrainingRun: the source images of each part of the head's split. */
const SPLIT_FILE = 'split.json';

async function isFile(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isFile() ?? false;
}

/** OUT/head/head.json when its run.json says it was trained on these weights, this dataset and these settings. */
export async function findCachedHead(headDir: string, identity: HeadIdentity): Promise<string | undefined> {
  const headPath = join(headDir, 'head.json');
  if (!(await isFile(headPath)) || !(await isFile(join(headDir, SPLIT_FILE)))) return undefined;
  let manifest: { weights?: Record<string, string>; config?: Partial<TrainHeadRunConfig> };
  try {
    manifest = JSON.parse(await readFile(join(headDir, 'run.json'), 'utf8')) as typeof manifest;
  } catch {
    return undefined;
  }
  const config = manifest.config ?? {};
  const matches = manifest.weights?.backbone === `sha256:${identity.weightsSha256}` && config.dataset === identity.dataset
    && config.dataRoot === identity.dataRoot && config.seed === identity.seed && config.inputSize === identity.inputSize
    && (config.maxItems ?? null) === identity.trainItems;
  return matches ? headPath : undefined;
}

/** Train the head into `headDir` (its split.json records which source images the training part used). */
async function trainDemoHead(headDir: string, identity: HeadIdentity, options: DemoOptions): Promise<string> {
  const config: TrainHeadRunConfig = {
    dataset: identity.dataset, dataRoot: identity.dataRoot, weightsPath: options.weightsPath, featureKind: 'cls',
    augmentEpochs: 0, seed: identity.seed, inputSize: identity.inputSize, datasetOptions: { skipBad: true },
    ...(identity.trainItems === null ? {} : { maxItems: identity.trainItems }),
    ...(options.threads ? { threads: options.threads } : {}),
  };
  const run = await trainHeadOnDataset(config, options.onProgress);
  await writeTrainingRun(headDir, run, 'explainseg demo (head)');
  return join(headDir, 'head.json');
}

/**
 * A seeded choice of `limit` images with masks that the head did not train on, the held-out part of the
 * dataset's split first; only when those run out, images from the head's training part (labelled 'train').
 */
export function pickUntrainedImages(candidates: readonly ScoredImage[], trained: ReadonlySet<string>, options: { limit: number; seed: number }): ScoredImage[] {
  const rng = createRng(options.seed);
  const unseen = candidates.filter((image) => !trained.has(image.imagePath));
  const preferred = rng.shuffle(unseen.filter((image) => image.part === 'held-out'));
  const others = rng.shuffle(unseen.filter((image) => image.part !== 'held-out'));
  const chosen = [...preferred, ...others].slice(0, options.limit).map((image): ScoredImage => ({ ...image, part: 'held-out' }));
  if (chosen.length < options.limit) {
    const fill = rng.shuffle(candidates.filter((image) => trained.has(image.imagePath))).slice(0, options.limit - chosen.length);
    chosen.push(...fill.map((image): ScoredImage => ({ ...image, part: 'train' })));
  }
  return chosen.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** Phases timed with the core stopwatch: starting a phase closes the one before it. */
function createPhaseClock(onPhase?: (event: DemoPhaseEvent) => void): { start(phase: DemoPhase, message: string): void; stop(): void; timings: Record<string, number> } {
  const clock = createStopwatch();
  let current: DemoPhase | undefined;
  const stop = (): void => {
    clock.lap(current ?? 'idle');
    if (!current) delete clock.timings.idle;
    current = undefined;
  };
  return {
    timings: clock.timings,
    stop,
    start(phase, message) {
      stop();
      current = phase;
      onPhase?.({ phase, message });
    },
  };
}

/** The fit phase of the student demo: `fit --fast` into `modelDir` (resumable: a rerun skips finished stages). */
async function fitDemoModel(modelDir: string, identity: HeadIdentity, options: DemoOptions): Promise<string> {
  const config = resolveFitConfig({ dataset: identity.dataset, dataRoot: identity.dataRoot, weightsPath: options.weightsPath, fast: true, seed: identity.seed, datasetOptions: { skipBad: true } });
  await runFit(config, { out: modelDir, ...(options.onProgress ? { onProgress: options.onProgress } : {}) });
  return join(modelDir, 'head.json');
}

/** The segment phase: the classifier of these weights and head over the chosen images, resumable. */
async function segmentChosen(images: readonly ScoredImage[], paths: { headPath: string; imagesDir: string }, options: DemoOptions): Promise<SegmentRunSummary> {
  const loadOptions = { weightsPath: options.weightsPath, headPath: paths.headPath, ...(options.threads ? { threads: options.threads } : {}) };
  return withClassifier(loadOptions, async (classifier) => {
    const identity = { weightsSha256: classifier.backboneSha256, headSha256: await sha256File(paths.headPath) };
    return runSegmentation(images.map((image) => image.imagePath), { ...classifier, config: options.config, identity }, {
      outDir: paths.imagesDir, ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      ...(options.postprocessWorkers === undefined ? {} : { postprocessWorkers: options.postprocessWorkers }),
    });
  });
}

/**
 * The whole demo. Re-running with the same OUT reuses the head and the finished images (the segment run is
 * resumable), so an interrupted demo continues where it stopped.
 *
 * @example await runDemo({ dataset: 'kvasir-seg', dataRoot: 'data/kvasir-seg', weightsPath: 'w.safetensors', outDir: 'runs/demo', config: resolveConfig('xncut'), variant: 'xncut', limit: 4 })
 */
export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const started = new Date();
  const limit = ensureInteger(options.limit ?? 12, 'the demo image limit', { min: 1 });
  const outDir = resolve(options.outDir);
  const { config } = options;
  const clock = createPhaseClock(options.onPhase);
  clock.start('weights', `weights ${options.weightsPath}: checking`);
  const identity: HeadIdentity = {
    weightsSha256: await sha256Path(options.weightsPath), dataset: options.dataset, dataRoot: resolve(options.dataRoot),
    seed: config.seed, inputSize: config.inputSize, trainItems: options.trainItems ?? null,
  };
  const student = (options.method ?? 'student') === 'student';
  const headDir = join(outDir, student ? 'model' : 'head');
  const cached = student ? undefined : await findCachedHead(headDir, identity);
  clock.start('head', student
    ? `head: fitting the student on ${options.dataset} into ${headDir} (explainseg fit --fast; a rerun resumes)`
    : cached ? `head: reusing ${cached}` : `head: training on ${options.dataset}${options.trainItems ? ` (${options.trainItems} items)` : ''} into ${headDir}`);
  const headPath = student ? await fitDemoModel(headDir, identity, options) : cached ?? (await trainDemoHead(headDir, identity, options));
  const trained = new Set((JSON.parse(await readFile(join(headDir, SPLIT_FILE), 'utf8')) as { train: string[] }).train);
  clock.start('select', `select: ${limit} seeded image(s) with masks the head did not train on`);
  const subset = await selectScoredImages(options.dataset, identity.dataRoot, { limit: Number.MAX_SAFE_INTEGER, seed: config.seed, datasetOptions: { skipBad: true } });
  const images = pickUntrainedImages(subset.images, trained, { limit, seed: config.seed });
  const methodDescription = student ? `the fitted student of ${headDir} (segment --model)` : describeConfig(config);
  clock.start('segment', `segment: ${images.length} image(s), ${student ? 'explainseg-st' : options.variant}: ${methodDescription}`);
  const reportDir = join(outDir, 'report');
  const imagesDir = join(reportDir, 'images');
  const segmentation = student
    ? await runStudentSegmentFolder(images.map((image) => image.imagePath), { modelDir: headDir, outDir: imagesDir, command: options.command ?? 'explainseg demo', ...(options.onProgress ? { onProgress: options.onProgress } : {}) })
    : await segmentChosen(images, { headPath, imagesDir }, options);
  clock.start('evaluate', `evaluate: ${segmentation.done.length} mask(s) against the ground truth`);
  const evaluation = await evaluateDemoImages(images, segmentation, { imagesDir, seed: config.seed, ...(options.onProgress ? { onProgress: options.onProgress } : {}) });
  clock.start('report', `report: writing ${reportDir}`);
  const settings = { ...options, variant: student ? 'explainseg-st' : options.variant, ...(student ? { methodDescription } : {}) };
  const parts = { options: settings, images, segmentation, evaluation, headPath, headReused: cached !== undefined, timingsMs: clock.timings };
  const indexHtml = await writeDemoReport(reportDir, parts, options.writeHtml);
  clock.stop();
  await writeRunManifest(outDir, {
    command: options.command ?? 'explainseg demo', seed: config.seed, startedAt: started, timingsMs: clock.timings,
    config: { dataset: options.dataset, dataRoot: identity.dataRoot, method: student ? 'student' : 'paper', variant: settings.variant, limit, trainItems: identity.trainItems, ...(student ? { model: headDir } : { pipeline: config }) },
    weightFiles: { backbone: options.weightsPath, head: headPath },
  });
  return { headPath, headReused: cached !== undefined, images, segmentation, evaluation, reportDir, ...(indexHtml ? { indexHtml } : {}), timingsMs: clock.timings };
}
