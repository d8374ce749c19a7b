/**
 * One comparison run (paper Tables 1 and 2): per dataset, one explanation per image shared by the four
 * variants, then the baselines and trivial references, all scored against the ground truth. Resumable per
 * image (RunStore), masks written for inspection, failures recorded and skipped.
 */
import { dirname, join } from 'node:path';
import {
  createProgressTracker, sha256File, SizeMismatchError, type ImageTensor, type Mask, type ProgressCallback,
} from '../core/index.js';
import { readImage, readMask, writeMaskPng } from '../data/index.js';
import { confusionCounts, type ConfusionCounts } from '../metrics/index.js';
import type { VitModel } from '../backbone/vit-model.js';
import { bestSingleMask, maskCutBaseline, tokenCutBaseline } from './baselines.js';
import { loadClassifier, type Classifier } from './classifier-model.js';
import type { BaselineName, CompareConfig, CompareDataset } from './compare-config.js';
import { readRecordedSplit, selectScoredImages, type ScoredImage } from './compare-subset.js';
import type { PipelineConfig } from './config.js';
import { explainImage } from './explain-image.js';
import { ExplanationCache, type ExplanationMaps } from './explanation-cache.js';
import { resolveConfig, type VariantName } from './presets.js';
import { ellipsePrior, fractionFromMasks, otsuOnIntensity } from './references.js';
import { RunStore } from './run-store.js';
import { patchKeys, segmentFromExplanation } from './segment-image.js';
import { loadBackbone } from './vit-features.js';

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
  readonly maskCutModel?: VitModel;
  readonly variants: { name: VariantName; config: PipelineConfig }[];
  readonly baselines: readonly BaselineName[];
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

async function compareDataset(config: CompareConfig, dataset: CompareDataset, onProgress?: ProgressCallback): Promise<DatasetComparison> {
  const recorded = await readRecordedSplit(join(dirname(dataset.head), 'split.json'));
  const subset = await selectScoredImages(dataset.kind, dataset.data, {
    limit: dataset.limit, seed: config.seed,
    ...(dataset.datasetOptions ? { datasetOptions: dataset.datasetOptions } : {}), ...(recorded ? { recorded } : {}),
  });
  const classifier = await loadClassifier({ weightsPath: config.weights, headPath: dataset.head });
  const maskCutModel = config.baselines.includes('maskcut')
    ? (await loadBackbone(config.weights, { inputSize: config.maskCutInputSize })).model
    : undefined;
  const masks = await Promise.all(subset.trainingMasks.map((path) => readMask(path)));
  const variants = config.variants.map((name) => ({ name, config: resolveConfig(name, config.pipeline, dataset.pipeline ?? {}, { seed: config.seed }) }));
  const ellipseFraction = masks.length > 0 ? fractionFromMasks(masks) : 0.15;
  const headSha256 = await sha256File(dataset.head);
  const first = variants[0]!.config;
  const context: DatasetContext = {
    classifier,
    ...(maskCutModel ? { maskCutModel } : {}),
    variants,
    baselines: config.baselines,
    ellipseFraction,
    outDir: join(config.out, dataset.name),
    explanations: new ExplanationCache(join(config.out, dataset.name, 'explanations')),
    explainIdentity: {
      explain: first.explain, view: first.view, tileFraction: first.tileFraction, feature: first.fusion.feature, seed: first.seed,
      weights: classifier.backboneSha256, head: headSha256,
    },
  };
  const store = new RunStore<ImageComparison>(context.outDir);
  const identity = {
    pipeline: variants, baselines: config.baselines, weights: classifier.backboneSha256,
    head: headSha256, maskCutInputSize: config.maskCutInputSize, ellipseFraction,
  };
  const progress = createProgressTracker(`compare ${dataset.name}`, subset.images.length, onProgress);
  const result: DatasetComparison = {
    dataset, images: [], failed: [], ellipseFraction: context.ellipseFraction,
    heldOut: subset.images.filter((image) => image.part === 'held-out').length,
  };
  try {
    for (const image of subset.images) {
      const imageSha256 = await sha256File(image.imagePath);
      const key = RunStore.keyFor(imageSha256, identity);
      try {
        let done = (await store.finished(image.id, key))?.result;
        if (!done) {
          done = await compareImage({ ...image, sha256: imageSha256 }, context);
          await store.saveResult(image.id, key, done);
        }
        result.images.push(done);
      } catch (error) {
        await store.saveFailure(image.id, key, error);
        result.failed.push({ id: image.id, message: error instanceof Error ? error.message : String(error) });
      }
      progress.advance(1, image.id);
    }
  } finally {
    await classifier.model.dispose();
    await maskCutModel?.dispose();
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
  const explanation = await explainImage(pixels, { model, head, config: context.variants[0]!.config });
  await context.explanations.save(image.id, key, explanation);
  return explanation;
}

async function compareImage(image: ScoredImage & { sha256: string }, context: DatasetContext): Promise<ImageComparison> {
  const { pixels, gt } = await readPair(image);
  const counts: Record<string, ConfusionCounts> = {};
  const timingsMs: Record<string, number> = {};
  const record = async (name: string, mask: Mask): Promise<void> => {
    counts[name] = confusionCounts(mask, gt);
    await writeMaskPng(join(context.outDir, 'masks', name.replace(/[^a-z0-9-]+/gi, '_'), `${image.id}.png`), mask);
  };
  const timed = async <T>(name: string, work: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    const value = await work();
    timingsMs[name] = performance.now() - started;
    return value;
  };
  const { model, head } = context.classifier;
  const explanation = await timed('explain', () => explainCached(image, pixels, context));
  const needsKeys = context.variants.some((v) => v.config.mask.method === 'ncut' && v.config.mask.ncut.graph === 'patch');
  const keys = needsKeys ? await patchKeys({ model, head }, pixels) : undefined;
  for (const variant of context.variants) {
    const segmented = await timed(variant.name, async () => segmentFromExplanation(pixels, explanation, {
      config: variant.config, grid: { rows: model.rows, cols: model.cols }, ...(keys ? { keys } : {}),
    }));
    await record(variant.name, segmented.mask);
    if (variant.config.crf.enabled) await record(`${variant.name} (no CRF)`, segmented.maskBeforeCrf);
  }
  await runBaselines(pixels, gt, context, { record, timed });
  return {
    id: image.id, part: image.part, predictedClass: explanation.className,
    probability: explanation.probabilities[explanation.predictedClass]!,
    relativeConvergenceDelta: explanation.convergence.relativeDelta, counts, timingsMs,
  };
}

async function runBaselines(
  pixels: ImageTensor,
  gt: Mask,
  context: DatasetContext,
  io: { record: (name: string, mask: Mask) => Promise<void>; timed: <T>(name: string, work: () => Promise<T>) => Promise<T> },
): Promise<void> {
  const { model } = context.classifier;
  for (const baseline of context.baselines) {
    if (baseline === 'tokencut' || baseline === 'tokencut-crf') {
      const result = await io.timed(baseline, () => tokenCutBaseline(pixels, { model, ...(baseline === 'tokencut-crf' ? { crf: {} } : {}) }));
      await io.record(baseline, result.mask);
    } else if (baseline === 'maskcut' && context.maskCutModel) {
      const result = await io.timed(baseline, () => maskCutBaseline(pixels, { model: context.maskCutModel! }));
      await io.record('maskcut (union)', result.union);
      await io.record('maskcut (best single)', bestSingleMask(result.masks, gt).mask);
    } else if (baseline === 'ellipse') {
      await io.record('ellipse prior', ellipsePrior(pixels.rows, pixels.cols, { fraction: context.ellipseFraction }));
    } else if (baseline === 'otsu') {
      await io.record('otsu (intensity)', otsuOnIntensity(pixels));
    }
  }
}
