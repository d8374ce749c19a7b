/**
 * Head training on a dataset folder (paper Alg. 1, step 1): open the dataset, load the frozen backbone (a ViT
 * or MobileNetV2) and train the linear head on its features, or fine-tune the last ViT blocks with the head
 * (`finetune`). runs/train-run.ts writes the run folder.
 */
import { join } from 'node:path';
import { createRng, createStopwatch, ensure, invalid, sha256File, type ProgressCallback, type Stopwatch } from '../../core/index.js';
import {
  backboneOf, ensureBackboneKind, loadExplainableBackbone, loadWeights, vitConfigFromStateDict, type BackboneKind, type LoadedExplainableBackbone,
} from '../../backbone/index.js';
import { loadDataset, type Dataset, type DatasetKind, type LoadDatasetOptions } from '../../data/index.js';
import { ensureCompatibleHead, loadHead, type FeatureKind } from '../../head/index.js';
import { createVitFeatureExtractor, featureDimOf, type FinetunedBlocks } from '../model/index.js';
import { CHECKPOINT_FILE } from './finetune-checkpoint.js';
import { finetuneClassifier } from './finetune-classifier.js';
import { resolveFinetuneRecipe, type FinetuneRecipe } from './finetune-recipe.js';
import { trainClassifier, type TrainClassifierOptions, type TrainClassifierResult } from './train-classifier.js';

/** Fine-tuning settings besides the ones the linear head shares (epochs, lr, batch size, monitor). */
export type FinetuneRunSettings = Partial<Omit<FinetuneRecipe, 'blocks' | 'epochs' | 'lr' | 'batchSize' | 'monitor'>> & Pick<FinetuneRecipe, 'blocks'> & {
  /** A head.json trained on the frozen features of the same weights (a linear probe) to start from: LP-FT. */
  readonly initHead?: string;
};

export interface TrainHeadRunConfig {
  dataset: DatasetKind;
  dataRoot: string;
  weightsPath: string;
  /** The backbone the weights must hold; default the kind their tensors show. MobileNetV2 trains on its pooled feature ('cls'). */
  backbone?: BackboneKind;
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
  /** Fine-tune the last `blocks` ViT blocks, the final norm and the head together; absent: the linear head alone. */
  finetune?: FinetuneRunSettings;
}

export interface TrainHeadRunOptions {
  /** Fine-tuning: checkpoint every epoch into this folder (CHECKPOINT_FILE), and resume from it. */
  readonly checkpointDir?: string;
  /** Fine-tuning: stop between two batches. */
  readonly signal?: AbortSignal;
}

export interface TrainHeadRun {
  readonly config: TrainHeadRunConfig;
  readonly dataset: Dataset;
  readonly backbone: Omit<LoadedExplainableBackbone, 'model'>;
  /** With fine-tuning, also the trained blocks and the epoch a checkpoint resumed from. */
  readonly result: TrainClassifierResult & { readonly finetuned?: FinetunedBlocks; readonly resumedFrom?: number; readonly recipe?: FinetuneRecipe };
  /** Milliseconds per stage: dataset, backbone, then trainClassifier's own stages. */
  readonly timings: Record<string, number>;
  readonly startedAt: Date;
}

/** A seeded subset of `count` items, put back in dataset order so each source image is decoded once. */
export function subsampleDataset(dataset: Dataset, count: number, seed: number): Dataset {
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
 * What a MobileNetV2 cannot train: a head on the last four CLS tokens, or fine-tuned blocks (both ViT-only).
 * Checked on the configured kind before any work, and again on the kind the weights turn out to hold.
 */
export function ensureTrainableOn(kind: BackboneKind | undefined, config: Pick<TrainHeadRunConfig, 'featureKind' | 'finetune'>): void {
  if (kind !== 'mobilenetv2') return;
  if (config.featureKind !== 'cls') throw invalid("'cls' (the pooled feature) with a mobilenetv2 backbone", 'the feature kind', config.featureKind);
  const blocks = config.finetune?.blocks ?? 0;
  if (blocks > 0) throw invalid('0 fine-tuned blocks with a mobilenetv2 backbone (fine-tuning needs a ViT)', 'the fine-tuned blocks', blocks);
}

/**
 * Paper Alg. 1 step 1 on a dataset folder: adapter, optional seeded subset, frozen backbone (disposed at the
 * end) and `trainClassifier`. Timings cover every stage, loading included.
 */
export async function trainHeadOnDataset(config: TrainHeadRunConfig, onProgress?: ProgressCallback, options: TrainHeadRunOptions = {}): Promise<TrainHeadRun> {
  ensureTrainableOn(config.backbone, config);
  const startedAt = new Date();
  const clock = createStopwatch();
  const full = await loadDataset(config.dataset, config.dataRoot, { seed: config.seed, ...config.datasetOptions });
  const dataset = config.maxItems === undefined ? full : subsampleDataset(full, config.maxItems, config.seed);
  clock.lap('dataset');
  if (config.finetune && config.finetune.blocks > 0) return finetuneOnDataset(config, { dataset, clock, startedAt }, { ...options, ...(onProgress ? { onProgress } : {}) });
  const { model, ...backbone } = await loadExplainableBackbone(config.weightsPath, {
    ...(config.backbone ? { backbone: config.backbone } : {}),
    ...(config.inputSize ? { inputSize: config.inputSize } : {}), ...(config.threads ? { threads: config.threads } : {}),
  });
  clock.lap('backbone');
  try {
    ensureTrainableOn(backbone.kind, config);
    const result = await trainClassifier(dataset, {
      extractFeatures: createVitFeatureExtractor(model, { featureKind: config.featureKind, batchSize: config.featureBatchSize ?? 16 }),
      featureDim: featureDimOf(model.config, config.featureKind),
      inputSize: model.rows,
      backbone: { sha256: backbone.sha256, config: backbone.config },
      featureKind: config.featureKind,
      augmentEpochs: config.augmentEpochs,
      batchSize: config.featureBatchSize ?? 16,
      head: headOptions(config),
      seed: config.seed,
      ...(onProgress ? { onProgress } : {}),
    });
    return { config, dataset, backbone, result, timings: stageTimings(clock, result.timings), startedAt };
  } finally {
    await model.dispose();
  }
}

/** What a checkpoint must agree on to be resumed: every setting that changes the result (not paths or threads). */
async function checkpointSettings(config: TrainHeadRunConfig): Promise<unknown> {
  const { weightsPath: _weights, threads: _threads, ...settings } = config;
  const initHead = config.finetune?.initHead;
  return initHead ? { ...settings, finetune: { ...settings.finetune, initHead: await sha256File(initHead) } } : settings;
}

/** The starting head of LP-FT: a linear probe of these weights, input size and classes, without fine-tuned blocks. */
async function initialHeadFrom(path: string, expected: { backboneSha256: string; inputSize: number; classes: readonly string[] }): Promise<{ weight: Float32Array; bias: Float32Array }> {
  const head = await loadHead(path);
  ensureCompatibleHead(head, { ...expected, featureKind: 'cls' });
  ensure(head.finetuned === undefined, 'a head trained on frozen features', `the initial head ${path}`, `a head with ${head.finetuned?.blocks} fine-tuned blocks`);
  return { weight: head.head.weight, bias: head.head.bias };
}

/** The fine-tuning branch of trainHeadOnDataset: base weights without a frozen model, then finetuneClassifier. */
async function finetuneOnDataset(
  config: TrainHeadRunConfig,
  started: { dataset: Dataset; clock: Stopwatch; startedAt: Date },
  options: TrainHeadRunOptions & { onProgress?: ProgressCallback },
): Promise<TrainHeadRun> {
  const blocks = config.finetune!.blocks;
  ensure(config.featureKind === 'cls', `the 'cls' features with ${blocks} fine-tuned blocks`, 'the feature kind', config.featureKind);
  ensure(config.augmentEpochs === 0, `0 augmentation epochs with ${blocks} fine-tuned blocks (fine-tuning augments every epoch)`, 'the augmentation epochs', config.augmentEpochs);
  const loaded = await loadWeights(config.weightsPath);
  ensureTrainableOn(ensureBackboneKind(loaded.stateDict, config.weightsPath, config.backbone), config);
  const vitConfig = vitConfigFromStateDict(loaded.stateDict, { file: config.weightsPath });
  const { epochs, lr, batchSize, monitor } = config;
  const { initHead, ...settings } = config.finetune!;
  const recipe = resolveFinetuneRecipe({
    ...settings, ...(epochs ? { epochs } : {}), ...(lr ? { lr } : {}), ...(batchSize ? { batchSize } : {}), ...(monitor ? { monitor } : {}),
  }, vitConfig.depth);
  const inputSize = config.inputSize ?? vitConfig.imageSize;
  const initialHead = initHead ? await initialHeadFrom(initHead, { backboneSha256: loaded.sha256, inputSize, classes: started.dataset.classes }) : undefined;
  started.clock.lap('backbone');
  const result = await finetuneClassifier(started.dataset, {
    stateDict: loaded.stateDict, config: vitConfig, baseSha256: loaded.sha256, inputSize, recipe, seed: config.seed,
    ...(initialHead ? { initialHead } : {}),
    ...(config.threads ? { threads: config.threads } : {}), ...(options.signal ? { signal: options.signal } : {}),
    ...(options.checkpointDir ? { checkpoint: { path: join(options.checkpointDir, CHECKPOINT_FILE), settings: await checkpointSettings(config) } } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  });
  const backbone = { kind: backboneOf(vitConfig), config: vitConfig, sha256: loaded.sha256, weightsPath: config.weightsPath };
  return { config, dataset: started.dataset, backbone, result, timings: stageTimings(started.clock, result.timings), startedAt: started.startedAt };
}

/** The run's own laps (dataset, backbone) followed by the trainer's stages; no running total. */
function stageTimings(clock: Stopwatch, trainer: Readonly<Record<string, number>>): Record<string, number> {
  const { total: _total, ...laps } = clock.timings;
  return { ...laps, ...trainer };
}
