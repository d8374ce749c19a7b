/**
 * One comparison run (paper Tables 1 and 2): per dataset, one explanation per image shared by the four
 * variants, then the competitors and trivial references, all scored against the ground truth. Resumable per
 * image (RunStore), masks written for inspection, failures recorded and skipped.
 */
import { dirname, join } from 'node:path';
import {
  createProgressTracker, createStopwatch, InputFileError, sha256File, SizeMismatchError, type ImageTensor, type Mask, type ProgressCallback, type Stopwatch,
} from '../../core/index.js';
import { loadExplainableBackbone, type ExplainableModel, type MicraNetModel } from '../../backbone/index.js';
import { readImage, readMask, writeMaskPng } from '../../data/index.js';
import { ensureCompatibleTokenHead, loadTokenHead, type TokenHead } from '../../head/index.js';
import { confusionCounts, type ConfusionCounts } from '../../metrics/index.js';
import { COMPETITORS, fractionFromMasks, loadMicraNetModel, MICRANET_MODEL_FILE, type CompetitorName, type MicraNetClassRule } from '../competitors/index.js';
import { resolveConfig, type PipelineConfig, type VariantName } from '../config/index.js';
import { readRecordedSplit, selectScoredImages, type ScoredImage } from '../evaluation/index.js';
import { explainImage, patchKeysIfNeeded, segmentFromExplanation } from '../method/index.js';
import { loadClassifier, type Classifier } from '../model/index.js';
import { ExplanationCache, RunStore, type ExplanationMaps } from '../runtime/index.js';
import { loadStudentModelFile, loadStudentWeights, segmentWithStudent, STUDENT_FILES, type StudentContext } from '../student/index.js';
import { STUDENT_ROW, type CompareConfig, type CompareDataset } from './compare-config.js';

export interface ImageComparison {
  readonly id: string;
  readonly part: ScoredImage['part'];
  readonly predictedClass: string;
  readonly probability: number;
  readonly relativeConvergenceDelta: number;
  /** Confusion counts per method name (e.g. 'xncut', 'xncut (no CRF)', 'maskcut (union)'). */
  readonly counts: Record<string, ConfusionCounts>;
  readonly timingsMs: Record<string, number>;
}

export interface DatasetComparison {
  readonly dataset: CompareDataset;
  readonly images: ImageComparison[];
  readonly failed: { id: string; message: string }[];
  readonly ellipseFraction: number;
  readonly heldOut: number;
}

interface DatasetContext {
  readonly classifier: Classifier;
  /** For explain.source 'token-head'. */
  readonly tokenHead?: TokenHead;
  readonly maskCutModel?: ExplainableModel;
  readonly micraNetModel?: MicraNetModel;
  /** The classes the MICRA-Net segments (its model folder's rule). */
  readonly micraNetClasses?: MicraNetClassRule;
  /** The fitted student of `studentModel`, on the classifier's backbone; `sha256` covers student.json and model.json (its cues). */
  readonly student?: { readonly context: Omit<StudentContext, 'model' | 'head'>; readonly sha256: string };
  readonly variants: { name: VariantName; config: PipelineConfig }[];
  readonly competitors: readonly CompetitorName[];
  readonly ellipseFraction: number;
  readonly outDir: string;
  readonly explanations: ExplanationCache;
  /** Everything an explanation depends on besides the image (its cache key). */
  readonly explainIdentity: Record<string, unknown>;
}

/** Runs every dataset of the config in turn. */
export async function runComparison(config: CompareConfig, onProgress?: ProgressCallback): Promise<DatasetComparison[]> {
  const results: DatasetComparison[] = [];
  for (const dataset of config.datasets) results.push(await compareDataset(config, dataset, onProgress));
  return results;
}

async function datasetContext(config: CompareConfig, dataset: CompareDataset, trainingMasks: readonly string[]): Promise<DatasetContext> {
  const weightsPath = dataset.weights ?? config.weights;
  const classifier = await loadClassifier({ weightsPath, headPath: dataset.head, ...(dataset.backbone ? { backbone: dataset.backbone } : {}) });
  const needsMaskCut = config.competitors.some((name) => COMPETITORS[name].needs === 'maskcut-backbone');
  const maskCutModel = needsMaskCut ? (await loadExplainableBackbone(weightsPath, { inputSize: config.maskCutInputSize, backbone: classifier.kind })).model : undefined;
  const needsMicraNet = config.competitors.some((name) => COMPETITORS[name].needs === 'micranet-model');
  const micraNet = needsMicraNet && dataset.micranetModel ? await loadMicraNetModel(dataset.micranetModel) : undefined;
  const micraNetModel = micraNet?.model;
  const micraNetClasses = micraNet?.info.segment?.classes;
  const masks = await Promise.all(trainingMasks.map((path) => readMask(path)));
  const variants = config.variants.map((name) => ({ name, config: resolveConfig(name, config.pipeline, dataset.pipeline ?? {}, { seed: config.seed }) }));
  const first = variants[0]!.config;
  const outDir = join(config.out, dataset.name);
  const tokenHead = dataset.tokenHead ? await loadTokenHead(dataset.tokenHead) : undefined;
  if (tokenHead) ensureCompatibleTokenHead(tokenHead, { backboneSha256: classifier.backboneSha256, classes: classifier.head.head.classes });
  const student = dataset.studentModel ? await loadStudentForCompare(dataset.studentModel, classifier) : undefined;
  return {
    classifier, ...(maskCutModel ? { maskCutModel } : {}), ...(student ? { student } : {}), ...(micraNetModel ? { micraNetModel } : {}), ...(micraNetClasses ? { micraNetClasses } : {}), ...(tokenHead ? { tokenHead: tokenHead.head } : {}), variants, competitors: config.competitors,
    ellipseFraction: masks.length > 0 ? fractionFromMasks(masks) : 0.15,
    outDir, explanations: new ExplanationCache(join(outDir, 'explanations')),
    explainIdentity: {
      explain: first.explain, view: first.view, tileFraction: first.tileFraction, feature: first.fusion.feature, seed: first.seed,
      weights: classifier.backboneSha256, head: await sha256File(dataset.head),
      ...(dataset.tokenHead ? { tokenHead: await sha256File(dataset.tokenHead) } : {}),
    },
  };
}

async function compareDataset(config: CompareConfig, dataset: CompareDataset, onProgress?: ProgressCallback): Promise<DatasetComparison> {
  const recorded = await readRecordedSplit(join(dirname(dataset.head), 'split.json'));
  const subset = await selectScoredImages(dataset.kind, dataset.data, {
    limit: dataset.limit, seed: config.seed,
    ...(dataset.datasetOptions ? { datasetOptions: dataset.datasetOptions } : {}), ...(recorded ? { recorded } : {}),
  });
  const context = await datasetContext(config, dataset, subset.trainingMasks);
  const store = new RunStore<ImageComparison>(context.outDir);
  const identity = {
    pipeline: context.variants, competitors: config.competitors, weights: context.classifier.backboneSha256,
    head: context.explainIdentity.head, maskCutInputSize: config.maskCutInputSize, ellipseFraction: context.ellipseFraction,
    ...(context.micraNetModel && dataset.micranetModel ? { micranet: await sha256File(join(dataset.micranetModel, MICRANET_MODEL_FILE)) } : {}),
    ...(context.student ? { student: context.student.sha256 } : {}),
  };
  const progress = createProgressTracker(`compare ${dataset.name}`, subset.images.length, onProgress);
  const result: DatasetComparison = {
    dataset, images: [], failed: [], ellipseFraction: context.ellipseFraction,
    heldOut: subset.images.filter((image) => image.part === 'held-out').length,
  };
  try {
    for (const image of subset.images) {
      const imageSha256 = await sha256File(image.imagePath);
      const outcome = await store.settle(image.id, RunStore.keyFor(imageSha256, identity), () => compareImage({ ...image, sha256: imageSha256 }, context));
      if ('result' in outcome) result.images.push(outcome.result);
      else result.failed.push({ id: image.id, message: outcome.error });
      progress.advance(1, image.id);
    }
  } finally {
    await context.classifier.model.dispose();
    await context.maskCutModel?.dispose();
    await context.micraNetModel?.dispose();
  }
  return result;
}

async function readPair(image: ScoredImage): Promise<{ pixels: ImageTensor; gt: Mask }> {
  const pixels = await readImage(image.imagePath);
  const gt = await readMask(image.maskPath);
  if (gt.rows !== pixels.rows || gt.cols !== pixels.cols) {
    throw new SizeMismatchError(`${image.maskPath} is ${gt.rows}x${gt.cols} but its image ${image.imagePath} is ${pixels.rows}x${pixels.cols}`);
  }
  return { pixels, gt };
}

async function explainCached(image: ScoredImage & { sha256: string }, pixels: ImageTensor, context: DatasetContext): Promise<ExplanationMaps> {
  const key = RunStore.keyFor(image.sha256, context.explainIdentity);
  const cached = await context.explanations.load(image.id, key, pixels);
  if (cached) return cached;
  const { model, head } = context.classifier;
  const explanation = await explainImage(pixels, { model, head, config: context.variants[0]!.config, ...(context.tokenHead ? { tokenHead: context.tokenHead } : {}) });
  await context.explanations.save(image.id, key, explanation);
  return explanation;
}

/**
 * A fit's student for the 'explainseg-st' row; its head must be the compare dataset's head (the fit's
 * head.json), so that the student sees the classifier it was fitted with.
 */
async function loadStudentForCompare(modelDir: string, classifier: Classifier): Promise<DatasetContext['student']> {
  const model = await loadStudentModelFile(modelDir);
  if (model.backbone.sha256 !== classifier.backboneSha256) {
    throw new InputFileError(join(modelDir, STUDENT_FILES.model), `was fitted on backbone ${model.backbone.sha256.slice(0, 12)}... but the compare config's weights are ${classifier.backboneSha256.slice(0, 12)}...`);
  }
  const studentPath = join(modelDir, STUDENT_FILES.student);
  const student = await loadStudentWeights(studentPath);
  const tokenHead = (model.student.cues.teacher ?? 0) !== 0 ? (await loadTokenHead(join(modelDir, STUDENT_FILES.tokenHead))).head : undefined;
  const sha256 = `${await sha256File(studentPath)}:${await sha256File(join(modelDir, STUDENT_FILES.model))}`;
  return { context: { student, config: model.student, ...(tokenHead ? { tokenHead } : {}) }, sha256 };
}

/** Scores a mask under a method's row name and writes it for inspection. */
type MaskRecorder = (name: string, mask: Mask) => Promise<void>;

async function compareImage(image: ScoredImage & { sha256: string }, context: DatasetContext): Promise<ImageComparison> {
  const { pixels, gt } = await readPair(image);
  const counts: Record<string, ConfusionCounts> = {};
  const clock = createStopwatch();
  const record: MaskRecorder = async (name, mask) => {
    counts[name] = confusionCounts(mask, gt);
    await writeMaskPng(join(context.outDir, 'masks', name.replace(/[^a-z0-9-]+/gi, '_'), `${image.id}.png`), mask);
  };
  const { model, head } = context.classifier;
  const explanation = await clock.time('explain', () => explainCached(image, pixels, context));
  const keys = await patchKeysIfNeeded({ model, head }, pixels, context.variants.map((v) => v.config));
  for (const variant of context.variants) {
    const segmented = clock.timeSync(variant.name, () => segmentFromExplanation(pixels, explanation, {
      config: variant.config, grid: { rows: model.rows, cols: model.cols }, ...(keys ? { keys } : {}),
    }));
    await record(variant.name, segmented.mask);
    if (variant.config.crf.enabled) await record(`${variant.name} (no CRF)`, segmented.maskBeforeCrf);
  }
  if (context.student) {
    const { mask } = await clock.time(STUDENT_ROW, () => segmentWithStudent(pixels, { model, head, ...context.student!.context }));
    await record(STUDENT_ROW, mask);
  }
  await runCompetitors(pixels, gt, context, { record, clock });
  const { total: _total, ...timingsMs } = clock.timings;
  return {
    id: image.id, part: image.part, predictedClass: explanation.className,
    probability: explanation.probabilities[explanation.predictedClass]!,
    relativeConvergenceDelta: explanation.convergence.relativeDelta, counts, timingsMs,
  };
}

async function runCompetitors(pixels: ImageTensor, gt: Mask, context: DatasetContext, io: { record: MaskRecorder; clock: Stopwatch }): Promise<void> {
  const competitorContext = {
    model: context.classifier.model, ellipseFraction: context.ellipseFraction, groundTruth: gt,
    ...(context.maskCutModel ? { maskCutModel: context.maskCutModel } : {}),
    ...(context.micraNetModel ? { micraNetModel: context.micraNetModel } : {}), ...(context.micraNetClasses ? { micraNetClasses: context.micraNetClasses } : {}),
  };
  for (const name of context.competitors) {
    const masks = await io.clock.time(name, () => COMPETITORS[name].run(pixels, competitorContext));
    for (const [row, mask] of Object.entries(masks)) await io.record(row, mask);
  }
}
