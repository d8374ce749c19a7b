/**
 * One head-training run end to end (paper Alg. 1, step 1): open the dataset, load the frozen ViT, train the
 * linear head on its features, and write the run folder (head.json, report.json, report.md, run.json).
 * The CLI `train` command and the training benchmark are thin layers over these two functions.
 */
import { join, resolve } from 'node:path';
import { mkdir } from 'node:fs/promises';
import { createRng, writeFileAtomic, writeJsonAtomic, writeRunManifest, type ProgressCallback } from '../core/index.js';
import { loadDataset, type Dataset, type DatasetKind, type LoadDatasetOptions } from '../data/index.js';
import { saveHead, type ClassificationReport, type FeatureKind } from '../head/index.js';
import { trainClassifier, type TrainClassifierOptions, type TrainClassifierResult } from './train-classifier.js';
import { createVitFeatureExtractor, featureDimOf, loadBackbone, type LoadedBackbone } from './vit-features.js';

export interface TrainHeadRunConfig {
  dataset: DatasetKind;
  dataRoot: string;
  weightsPath: string;
  featureKind: FeatureKind;
  /** Backbone input side; default the size the weights were trained at. */
  inputSize?: number;
  epochs?: number;
  lr?: number;
  /** SGD mini-batch of the head. */
  batchSize?: number;
  /** What early stopping watches on validation (default 'loss'). */
  monitor?: 'loss' | 'balancedAccuracy';
  /** Images per backbone run while extracting features (default 16). */
  featureBatchSize?: number;
  augmentEpochs: number;
  seed: number;
  /** Dataset adapter options (limit, skipBad, PH2 labels, patch size). */
  datasetOptions?: LoadDatasetOptions;
  /** Keep a seeded random subset of this many items (benchmarks). */
  maxItems?: number;
  threads?: number;
}

export interface TrainHeadRun {
  readonly config: TrainHeadRunConfig;
  readonly dataset: Dataset;
  readonly backbone: Omit<LoadedBackbone, 'model'>;
  readonly result: TrainClassifierResult;
  /** Milliseconds per stage: dataset, backbone, then trainClassifier's own stages. */
  readonly timings: Record<string, number>;
  readonly startedAt: Date;
}

/** A seeded subset of `count` items, put back in dataset order so each source image is decoded once. */
function subsample(dataset: Dataset, count: number, seed: number): Dataset {
  if (count >= dataset.items.length) return dataset;
  const order = createRng(seed).shuffle(Array.from(dataset.items, (_, i) => i)).slice(0, count).sort((a, b) => a - b);
  return { ...dataset, items: order.map((index) => dataset.items[index]!) };
}

/** Only the head settings the run sets, so the head trainer's own defaults apply to the rest. */
function headOptions(config: TrainHeadRunConfig): NonNullable<TrainClassifierOptions['head']> {
  const { epochs, lr, batchSize, monitor } = config;
  return {
    ...(epochs ? { epochs } : {}), ...(lr ? { lr } : {}), ...(batchSize ? { batchSize } : {}), ...(monitor ? { monitor } : {}),
  };
}

/**
 * Paper Alg. 1 step 1 on a dataset folder: adapter, optional seeded subset, frozen ViT (disposed at the end)
 * and `trainClassifier`. Timings cover every stage, loading included.
 */
export async function trainHeadOnDataset(config: TrainHeadRunConfig, onProgress?: ProgressCallback): Promise<TrainHeadRun> {
  const startedAt = new Date();
  const timings: Record<string, number> = {};
  let clock = performance.now();
  const lap = (name: string): void => {
    const now = performance.now();
    timings[name] = now - clock;
    clock = now;
  };
  const full = await loadDataset(config.dataset, config.dataRoot, { seed: config.seed, ...config.datasetOptions });
  const dataset = config.maxItems === undefined ? full : subsample(full, config.maxItems, config.seed);
  lap('dataset');
  const { model, ...backbone } = await loadBackbone(config.weightsPath, {
    ...(config.inputSize ? { inputSize: config.inputSize } : {}), ...(config.threads ? { threads: config.threads } : {}),
  });
  lap('backbone');
  try {
    const result = await trainClassifier(dataset, {
      extractFeatures: createVitFeatureExtractor(model, { featureKind: config.featureKind, batchSize: config.featureBatchSize ?? 16 }),
      featureDim: featureDimOf(backbone.config, config.featureKind),
      inputSize: model.rows,
      backbone: { sha256: backbone.sha256, config: backbone.config },
      featureKind: config.featureKind,
      augmentEpochs: config.augmentEpochs,
      batchSize: config.featureBatchSize ?? 16,
      head: headOptions(config),
      seed: config.seed,
      ...(onProgress ? { onProgress } : {}),
    });
    Object.assign(timings, result.timings);
    return { config, dataset, backbone, result, timings, startedAt };
  } finally {
    await model.dispose();
  }
}

const percent = (value: number | null | undefined): string => (value === null || value === undefined ? 'n/a' : `${(100 * value).toFixed(1)} %`);

function reportSection(title: string, report: ClassificationReport | null, classes: readonly string[]): string[] {
  if (!report) return [`## ${title}`, '', 'No items in this part.', ''];
  const header = `| true \\ predicted | ${classes.join(' | ')} |`;
  const rule = `| --- | ${classes.map(() => '---:').join(' | ')} |`;
  const rows = report.confusion.map((row, k) => `| ${classes[k]} | ${row.join(' | ')} |`);
  return [
    `## ${title}`, '',
    `- accuracy: ${percent(report.accuracy)}`, `- balanced accuracy: ${percent(report.balancedAccuracy)}`, `- ROC AUC: ${report.rocAuc === null ? 'n/a' : report.rocAuc.toFixed(3)}`,
    '', header, rule, ...rows, '',
  ];
}

/** The run as a short Markdown page a person reads first; report.json holds the same numbers. */
export function formatTrainingReport(run: TrainHeadRun): string {
  const { dataset, result } = run;
  const counts = `${result.split.train.length} train / ${result.split.val.length} validation / ${result.split.test.length} test`;
  return [
    `# Head training: ${dataset.name}`, '',
    `- classes: ${dataset.classes.join(', ')}`, `- items: ${counts}`,
    `- features: ${run.config.featureKind} from ${run.backbone.weightsPath} (sha256 ${run.backbone.sha256.slice(0, 16)}...)`,
    `- epochs run: ${result.training.history.length}, weights kept from epoch ${result.training.bestEpoch + 1}${result.training.stoppedEarly ? ' (stopped early)' : ''}`,
    `- skipped files: ${dataset.warnings.length}`, '',
    ...reportSection('Validation', result.report, dataset.classes),
    ...reportSection('Test', result.testReport, dataset.classes),
  ].join('\n');
}

/** Everything report.json holds: both reports, the split sizes, the training curve and the skipped files. */
export function trainingReportJson(run: TrainHeadRun): Record<string, unknown> {
  const { dataset, result } = run;
  return {
    dataset: dataset.name, classes: dataset.classes, featureKind: run.config.featureKind,
    counts: { train: result.split.train.length, val: result.split.val.length, test: result.split.test.length },
    validation: result.report, test: result.testReport,
    training: { bestEpoch: result.training.bestEpoch, stoppedEarly: result.training.stoppedEarly, history: result.training.history },
    warnings: dataset.warnings,
  };
}

/**
 * The source images of each part (absolute paths), so a later evaluation scores only images whose labels
 * (and, for patch datasets, whose mask-derived patch labels) the head never saw.
 */
export function splitImagePaths(split: TrainClassifierResult['split']): Record<'train' | 'val' | 'test', string[]> {
  const paths = (items: readonly { imagePath: string }[]): string[] => [...new Set(items.map((item) => resolve(item.imagePath)))].sort();
  return { train: paths(split.train), val: paths(split.val), test: paths(split.test) };
}

/** Writes head.json, report.json, report.md, run.json and split.json into `outDir` (created if needed). */
export async function writeTrainingRun(outDir: string, run: TrainHeadRun, command = 'train'): Promise<string[]> {
  await mkdir(outDir, { recursive: true });
  const paths = ['head.json', 'report.json', 'report.md', 'run.json', 'split.json'].map((name) => join(outDir, name));
  await saveHead(paths[0]!, run.result.head);
  await writeJsonAtomic(paths[4]!, splitImagePaths(run.result.split));
  await writeJsonAtomic(paths[1]!, trainingReportJson(run));
  await writeFileAtomic(paths[2]!, formatTrainingReport(run));
  await writeRunManifest(outDir, {
    command, config: run.config, seed: run.config.seed, startedAt: run.startedAt,
    weightFiles: { backbone: run.backbone.weightsPath }, timingsMs: run.timings,
  });
  return paths;
}
