/**
 * Step 1 of Algorithm 1 with the backbone fine-tuned (paper Sec. 3.2): split, normalisation from the training
 * part, the last N blocks, the final norm and a linear CLS head trained together by the recipe of
 * finetune-recipe.ts, then reports on validation and test with the kept (best) weights. The result carries the
 * trained tensors, which runs/train-run.ts writes beside head.json.
 */
import { createProgressTracker, createRng, createStopwatch, ensure, type ProgressCallback, type ProgressTracker } from '../../core/index.js';
import type { StateDict } from '../../backbone/index.js';
import type { VitConfig } from '../../backbone/vit-config.js';
import { VitFinetuner } from '../../backbone/vit-finetuner.js';
import { splitDataset, type Dataset, type DatasetItem, type DatasetSplit, type SplitOptions } from '../../data/index.js';
import { classificationReport, createLinearHead, resolveClassWeights, type ClassificationReport, type HeadModel } from '../../head/index.js';
import type { FinetunedBlocks } from '../model/index.js';
import { checkpointIdentity } from './finetune-checkpoint.js';
import { batchesOf, ImageBank, TokenBank } from './finetune-data.js';
import { runFinetuneEpochs, validationProbabilities, type ValidationTokens } from './finetune-loop.js';
import type { FinetuneRecipe } from './finetune-recipe.js';
import { computeNormalisation, ItemImageLoader, labelsOf } from './item-images.js';
import { isReadySplit, type TrainClassifierResult } from './train-classifier.js';

export interface FinetuneClassifierOptions {
  /** The base weights (float32, DINO names), their config and the SHA-256 of their file. */
  readonly stateDict: StateDict;
  readonly config: VitConfig;
  readonly baseSha256: string;
  /** Backbone input side S (images and patches are resized to S x S). */
  readonly inputSize: number;
  readonly recipe: FinetuneRecipe;
  /** Fractions and seed for a fresh split, or a ready split. */
  readonly split?: SplitOptions | DatasetSplit;
  readonly seed?: number;
  readonly threads?: number;
  /** Start from this head (a linear probe, for LP-FT) instead of PyTorch's random initialisation. */
  readonly initialHead?: { readonly weight: Float32Array; readonly bias: Float32Array };
  /**
   * Checkpoint after every epoch to `path`, and resume from it when it holds a run of the same `settings`
   * (everything that changes the result; hashed with the base weights' SHA-256).
   */
  readonly checkpoint?: { readonly path: string; readonly settings: unknown };
  readonly signal?: AbortSignal;
  readonly onProgress?: ProgressCallback;
}

export interface FinetuneClassifierResult extends TrainClassifierResult {
  /** The trained backbone tensors (the last blocks and the final norm), to save beside the head. */
  readonly finetuned: FinetunedBlocks;
  /** Epochs a checkpoint had already done when this run started (0 for a fresh run). */
  readonly resumedFrom: number;
  readonly recipe: FinetuneRecipe;
}

/** PyTorch nn.Linear's initialisation of the head, U(-1/sqrt(dim), 1/sqrt(dim)), from the run's seed. */
function initialHead(classes: number, dim: number, seed: number): { weight: Float32Array; bias: Float32Array } {
  const rng = createRng(seed);
  const bound = 1 / Math.sqrt(dim);
  const draw = (): number => (2 * rng.next() - 1) * bound;
  return { weight: Float32Array.from({ length: classes * dim }, draw), bias: Float32Array.from({ length: classes }, draw) };
}

/** The frozen prefix's output of the items, in batches (validation: computed once, reused every epoch). */
async function frozenTokensOf(items: readonly DatasetItem[], context: { trainer: VitFinetuner; bank: ImageBank; normalisation: HeadModel['normalisation']; batchSize: number }): Promise<ValidationTokens> {
  const batches = [];
  for (const indices of batchesOf(Array.from(items, (_, i) => i), context.batchSize)) {
    const batch = context.bank.batch(indices, context.normalisation);
    batches.push({ tokens: await context.trainer.frozenTokens(batch.pixels, batch.batch), batch: batch.batch, targets: batch.targets });
  }
  return { batches, labels: labelsOf(items) };
}

async function reportOn(items: readonly DatasetItem[], context: Parameters<typeof frozenTokensOf>[1] & { classes: number }): Promise<ClassificationReport | null> {
  if (items.length === 0) return null;
  const tokens = await frozenTokensOf(items, context);
  return classificationReport(await validationProbabilities(context.trainer, tokens), tokens.labels, context.classes);
}

/**
 * Fine-tunes the last `recipe.blocks` blocks with the head on the dataset. The trainer is created and
 * disposed here.
 */
export async function finetuneClassifier(dataset: Dataset, options: FinetuneClassifierOptions): Promise<FinetuneClassifierResult> {
  const { recipe, config } = options;
  const seed = options.seed ?? 0;
  const clock = createStopwatch();
  const split = await clock.time('split', async () => (isReadySplit(options.split) ? options.split : splitDataset(dataset.items, { seed, ...options.split })));
  ensure(split.train.length > 0, 'at least one training item', 'the split', 0);
  const loader = new ItemImageLoader(options.inputSize);
  const normalisation = await clock.time('normalisation', () => computeNormalisation(split.train, loader, options.onProgress));
  const classes = dataset.classes.length;
  const imageProgress: ProgressTracker = createProgressTracker('images', split.train.length + split.val.length, options.onProgress);
  const bankOf = (items: readonly DatasetItem[], progress?: ProgressTracker): Promise<ImageBank> =>
    ImageBank.load(items, loader, { side: options.inputSize, classes, ...(progress ? { progress } : {}) });
  const train = await clock.time('images', () => bankOf(split.train, imageProgress));
  const trainer = await VitFinetuner.create(options.stateDict, config, {
    blocks: recipe.blocks, head: options.initialHead ?? initialHead(classes, config.dim, seed), inputSize: options.inputSize,
    loss: { kind: 'cross-entropy', classWeights: Array.from(resolveClassWeights(recipe.classWeights, train.labels, classes)) },
    ...(options.threads ? { threads: options.threads } : {}),
  });
  try {
    const context = { trainer, normalisation, batchSize: recipe.batchSize, classes };
    const validation = split.val.length === 0 ? undefined
      : await clock.time('images', async () => frozenTokensOf(split.val, { ...context, bank: await bankOf(split.val, imageProgress) }));
    const trainTokens = recipe.augment ? undefined : await clock.time('images', () => TokenBank.compute(train, trainer, {
      normalisation, batchSize: recipe.batchSize, progress: createProgressTracker('frozen blocks', train.size, options.onProgress),
    }));
    const identity = options.checkpoint ? checkpointIdentity(options.checkpoint.settings, options.baseSha256) : undefined;
    const loop = await clock.time('train', () => runFinetuneEpochs({
      trainer, recipe, seed, train, normalisation, ...(trainTokens ? { trainTokens } : {}),
      ...(validation ? { validation } : {}), ...(options.checkpoint ? { checkpoint: { path: options.checkpoint.path, identity: identity! } } : {}),
      ...(options.signal ? { signal: options.signal } : {}), ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    }));
    const { report, testReport } = await clock.time('evaluate', async () => ({
      report: validation ? classificationReport(await validationProbabilities(trainer, validation), validation.labels, classes) : null,
      testReport: await reportOn(split.test, { ...context, bank: await bankOf(split.test) }),
    }));
    const trained = trainer.head();
    const linear = createLinearHead(dataset.classes, config.dim, trained.weight, trained.bias);
    const head: HeadModel = {
      head: linear, featureKind: 'cls', inputSize: options.inputSize, normalisation, backbone: { sha256: options.baseSha256, config },
      training: { seed, config: { dataset: dataset.name, finetune: recipe } },
    };
    const names = new Set(trainer.parameters.map((p) => p.name).filter((name) => !name.startsWith('head.')));
    const tensors: StateDict = new Map([...trainer.stateDict()].filter(([name]) => names.has(name)));
    return {
      head, report, testReport, split, timings: clock.timings, resumedFrom: loop.resumedFrom, recipe,
      training: { head: linear, history: loop.history, bestEpoch: loop.bestEpoch, stoppedEarly: loop.stoppedEarly },
      finetuned: { tensors, blocks: recipe.blocks, baseSha256: options.baseSha256 },
    };
  } finally {
    await trainer.dispose();
  }
}
