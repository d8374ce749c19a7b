/**
 * `explainseg fit --method micranet` as a run folder: the dataset split as the ExplainSeg head's fit splits it
 * (split.json), MICRA-Net trained from scratch on seeded subsets of the training and validation parts (a
 * checkpoint after every epoch in .fit/), the model folder (model.json, micranet.safetensors), its scores on
 * the held-back images (metrics.json) and run.json. A rerun of the same command resumes: finished stages are
 * skipped, an interrupted training continues from its last finished epoch, and a larger --epochs extends it.
 */
import { readFile } from 'node:fs/promises';
import { basename, extname, join, resolve } from 'node:path';
import { createProgressTracker, createRng, writeJsonAtomic, writeRunManifest, type ProgressCallback } from '../../../core/index.js';
import { loadDataset, readImage, readMask, splitDataset, type DatasetItem } from '../../../data/index.js';
import { SegmentationMetrics } from '../../../metrics/index.js';
import {
  micraNetOutputsFor, micraNetSamplesFromItems, readMicraNetModel, saveMicraNetModel, segmentWithMicraNet, trainMicraNet, withMicraNetModel,
  type MicraNetModelInfo,
} from '../../competitors/index.js';
import { readRecordedSplit, type RecordedSplit } from '../../evaluation/index.js';
import { subsampleDataset } from '../../training/index.js';
import { heldBackImages, withoutRows } from '../student/fit-evaluate.js';
import { FIT_WORK_DIR, FitStages, type FitStageEvent } from '../student/fit-stages.js';
import { splitImagePaths } from '../train-run.js';
import type { MicraNetFitConfig } from './fit-config.js';

export const MICRANET_CHECKPOINT_FILE = 'micranet-checkpoint.safetensors';

export interface MicraNetFitOptions {
  readonly out: string;
  readonly threads?: number;
  readonly onProgress?: ProgressCallback;
  readonly onStage?: (event: FitStageEvent) => void;
}

export interface MicraNetFitMetrics {
  readonly part: 'held-back (validation part of the split)';
  readonly images: number;
  readonly summary: { readonly micranet: ReturnType<typeof withoutRows> };
  /** Median milliseconds per image of the segmentation (forward, Grad-CAM per positive class, PCA). */
  readonly medianMs: number;
}

export interface MicraNetFitResult {
  readonly modelDir: string;
  readonly info: MicraNetModelInfo;
  readonly metrics: MicraNetFitMetrics;
  readonly timingsMs: Record<string, number>;
}

const stemOf = (path: string): string => basename(path, extname(path));

/** A seeded subset of `count` items in their original order (so each frame's patches stay together). */
function subsetOf(items: readonly DatasetItem[], count: number, seed: number): DatasetItem[] {
  if (count >= items.length) return [...items];
  const keep = new Set(createRng(seed).shuffle(Array.from(items, (_, i) => i)).slice(0, count));
  return items.filter((_, i) => keep.has(i));
}

async function scoreHeldBack(recorded: RecordedSplit, config: MicraNetFitConfig, context: { out: string; threads?: number; onProgress?: ProgressCallback }): Promise<MicraNetFitMetrics> {
  const pairs = await heldBackImages(recorded, config);
  const metrics = new SegmentationMetrics({ seed: config.seed, bootstrapResamples: 1000 });
  const progress = createProgressTracker('evaluate', pairs.length, context.onProgress);
  const times: number[] = [];
  await withMicraNetModel(context.out, context.threads ? { threads: context.threads } : {}, async (model) => {
    for (const pair of pairs) {
      const [image, truth] = await Promise.all([readImage(pair.image), readMask(pair.mask)]);
      const started = performance.now();
      const { mask } = await segmentWithMicraNet(image, model, { classes: config.classes });
      times.push(performance.now() - started);
      metrics.add(mask, truth, stemOf(pair.image));
      progress.advance(1);
    }
  });
  times.sort((a, b) => a - b);
  return {
    part: 'held-back (validation part of the split)', images: pairs.length, summary: { micranet: withoutRows(metrics.result()) },
    medianMs: times.length === 0 ? 0 : times[Math.floor(times.length / 2)]!,
  };
}

/**
 * @example const { metrics } = await runMicraNetFit(resolveMicraNetFitConfig({ dataset: 'ph2', dataRoot, fast: true }), { out: 'models/ph2-micranet' });
 */
export async function runMicraNetFit(config: MicraNetFitConfig, options: MicraNetFitOptions): Promise<MicraNetFitResult> {
  const startedAt = new Date();
  const out = resolve(options.out);
  const stages = new FitStages(out, options.onStage);
  const progress = options.onProgress ? { onProgress: options.onProgress } : {};
  const threads = options.threads ? { threads: options.threads } : {};
  const full = await loadDataset(config.dataset, config.dataRoot, { seed: config.seed, ...config.datasetOptions });
  const dataset = subsampleDataset(full, config.splitItems, config.seed);
  const split = splitDataset(dataset.items, { seed: config.seed });
  const splitPath = join(out, 'split.json');
  const splitSettings = { method: config.method, dataset: config.dataset, dataRoot: resolve(config.dataRoot), seed: config.seed, splitItems: config.splitItems, datasetOptions: config.datasetOptions ?? {} };
  await stages.run('split', splitSettings, {
    work: () => writeJsonAtomic(splitPath, splitImagePaths(split)),
    load: async () => void (await readFile(splitPath)),
  });
  const outputs = micraNetOutputsFor(dataset.classes);
  const { trainItems, validationItems, inputSize, batchSize, epochs } = config;
  // The class rule is recorded in model.json: changing it rewrites the folder from the finished checkpoint.
  const info = await stages.run('train', { trainItems, validationItems, inputSize, batchSize, epochs, classNames: outputs.classNames, classes: config.classes }, {
    work: async () => {
      const sampleOptions = { classes: outputs.classNames.length, inputSize, targetOf: outputs.targetOf, ...progress };
      const trainPart = subsetOf(split.train, trainItems, config.seed);
      const validationPart = subsetOf(split.val, validationItems, config.seed + 1);
      const train = await micraNetSamplesFromItems(trainPart, sampleOptions);
      const validation = validationPart.length > 0 ? await micraNetSamplesFromItems(validationPart, sampleOptions) : undefined;
      const trained = await trainMicraNet(train, validation, {
        config: { classes: outputs.classNames.length, inputSize }, epochs, batchSize, seed: config.seed,
        checkpointPath: join(out, FIT_WORK_DIR, MICRANET_CHECKPOINT_FILE), ...threads, ...progress,
      });
      return saveMicraNetModel(out, {
        config: trained.config, classNames: outputs.classNames, stateDict: trained.stateDict, segment: { classes: config.classes },
        training: {
          seed: config.seed, epochs, bestEpoch: trained.bestEpoch, bestValidationLoss: trained.bestValidationLoss,
          positiveWeights: trained.positiveWeights, history: trained.history,
          data: { dataset: config.dataset, dataRoot: resolve(config.dataRoot), trainItems: train.count, validationItems: validation?.count ?? 0, split: 'split.json' },
        },
      });
    },
    load: async () => (await readMicraNetModel(out)).info,
  });
  const recorded = (await readRecordedSplit(splitPath))!;
  const metricsPath = join(out, 'metrics.json');
  const metrics = await stages.run('evaluate', { evalImages: config.evalImages, classes: config.classes }, {
    work: async () => {
      const scored = await scoreHeldBack(recorded, config, { out, ...threads, ...progress });
      await writeJsonAtomic(metricsPath, scored);
      return scored;
    },
    load: async () => JSON.parse(await readFile(metricsPath, 'utf8')) as MicraNetFitMetrics,
  });
  await writeRunManifest(out, {
    command: 'fit --method micranet', config, seed: config.seed, startedAt, weightFiles: {},
    timingsMs: { ...stages.timingsMs, total: Date.now() - startedAt.getTime() },
  });
  return { modelDir: out, info, metrics, timingsMs: stages.timingsMs };
}
