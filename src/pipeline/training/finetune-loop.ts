/**
 * The fine-tuning epochs: learning-rate schedule, a seeded shuffle and augmentation per epoch, SGD steps
 * through VitFinetuner, validation, early stopping (best weights kept), a checkpoint after every epoch and
 * progress with the time per epoch and an ETA. A run that finds a checkpoint of the same identity continues
 * from it and ends with the same weights, bit for bit, as a run that was never interrupted.
 */
import { createProgressTracker, createRng, ensure, type ProgressCallback, type ProgressTracker } from '../../core/index.js';
import type { VitFinetuner } from '../../backbone/vit-finetuner.js';
import type { Optimizer } from '../../graph/index.js';
import { classificationReport, crossEntropy, softmax, type EpochRecord } from '../../head/index.js';
import type { ChannelNormalisation } from '../../data/index.js';
import { readCheckpoint, writeCheckpoint, type FinetuneCheckpoint } from './finetune-checkpoint.js';
import { batchesOf, type ImageBank, type ImageBatch, type TokenBank } from './finetune-data.js';
import { createFinetuneOptimizer, epochSeed, finetuneSchedule, type FinetuneRecipe } from './finetune-recipe.js';

/** Validation batches with the frozen prefix's output computed once (no augmentation, so it never changes). */
export interface ValidationTokens {
  readonly batches: readonly { readonly tokens: Float32Array; readonly batch: number; readonly targets: Float32Array }[];
  readonly labels: Int32Array;
}

export interface FinetuneLoopOptions {
  readonly trainer: VitFinetuner;
  readonly recipe: FinetuneRecipe;
  readonly seed: number;
  readonly train: ImageBank;
  /** Without augmentation: the training images' frozen-prefix output, computed once (TokenBank). */
  readonly trainTokens?: TokenBank;
  readonly normalisation: ChannelNormalisation;
  readonly validation?: ValidationTokens;
  /** Where the checkpoint lives, and the identity (checkpointIdentity) a checkpoint there must have to be resumed. */
  readonly checkpoint?: { readonly path: string; readonly identity: string };
  /** Stops the run between two batches (the checkpoint of the last finished epoch stays). */
  readonly signal?: AbortSignal;
  readonly onProgress?: ProgressCallback;
}

export interface FinetuneLoopResult {
  readonly history: EpochRecord[];
  /** The epoch whose weights the trainer holds now (the best on validation, else the last). */
  readonly bestEpoch: number;
  readonly stoppedEarly: boolean;
  /** Epochs already done when this call started (0 for a fresh run). */
  readonly resumedFrom: number;
}

interface LoopState {
  epochsDone: number;
  finished: boolean;
  stoppedEarly: boolean;
  history: EpochRecord[];
  best: { epoch: number; score: number } | null;
  bestWeights: Map<string, Float32Array> | null;
}

/** Runs (or resumes) the epochs; the trainer ends holding the kept weights. */
export async function runFinetuneEpochs(options: FinetuneLoopOptions): Promise<FinetuneLoopResult> {
  const { trainer, recipe } = options;
  const optimizer = createFinetuneOptimizer(trainer.parameters, recipe);
  const state = await restoreState(options, optimizer);
  const resumedFrom = state.epochsDone;
  const progress = createProgressTracker('fine-tune', recipe.epochs, options.onProgress);
  if (resumedFrom > 0) progress.set(resumedFrom, `resumed after epoch ${resumedFrom} from ${options.checkpoint!.path}`);
  const schedule = finetuneSchedule(recipe);
  while (!state.finished) {
    const epoch = state.epochsDone;
    const started = performance.now();
    optimizer.setLearningRateFactor(schedule(epoch));
    const trainLoss = await trainEpoch(options, optimizer, epoch);
    const record = { epoch, lr: optimizer.learningRates()[0]!, trainLoss, ...(await validate(options)), seconds: (performance.now() - started) / 1000 };
    advanceState(state, record, options);
    if (options.checkpoint) await writeCheckpoint(options.checkpoint.path, checkpointOf(state, options, optimizer));
    progress.set(state.finished ? recipe.epochs : state.epochsDone, epochMessage(state, recipe));
  }
  keepBestWeights(state, options);
  return { history: state.history, bestEpoch: state.best?.epoch ?? state.epochsDone - 1, stoppedEarly: state.stoppedEarly, resumedFrom };
}

async function restoreState(options: FinetuneLoopOptions, optimizer: Optimizer): Promise<LoopState> {
  const fresh: LoopState = { epochsDone: 0, finished: false, stoppedEarly: false, history: [], best: null, bestWeights: null };
  const saved = options.checkpoint ? await readCheckpoint(options.checkpoint.path) : undefined;
  if (!saved) return fresh;
  ensure(saved.identity === options.checkpoint!.identity, `a checkpoint of this run's settings and weights (identity ${options.checkpoint!.identity.slice(0, 12)}...)`,
    `${options.checkpoint!.path} (delete it or choose another output folder to start afresh)`, `identity ${saved.identity.slice(0, 12)}...`);
  for (const { name, data } of options.trainer.parameters) {
    const weights = saved.weights.get(name);
    ensure(weights?.length === data.length, `${data.length} values`, `the checkpoint's ${name}`, weights?.length);
    data.set(weights!);
  }
  optimizer.loadState(saved.optimizer);
  return {
    epochsDone: saved.epochsDone, finished: saved.finished, stoppedEarly: saved.stoppedEarly, history: [...saved.history],
    best: saved.best, bestWeights: saved.bestWeights ? new Map(saved.bestWeights) : null,
  };
}

/** One pass over the shuffled training part; the next batch is prepared while the current one trains. */
async function trainEpoch(options: FinetuneLoopOptions, optimizer: Optimizer, epoch: number): Promise<number> {
  const { trainer, recipe, train } = options;
  const rng = createRng(epochSeed(options.seed, epoch));
  const order = rng.shuffle(Array.from({ length: train.size }, (_, i) => i));
  const batches = batchesOf(order, recipe.batchSize);
  const progress: ProgressTracker = createProgressTracker(`fine-tune epoch ${epoch + 1}`, train.size, options.onProgress);
  const prepare = (k: number): ImageBatch => options.trainTokens?.batch(batches[k]!)
    ?? train.batch(batches[k]!, options.normalisation, recipe.augment ? { rng, recipe } : undefined);
  let lossSum = 0;
  let next = prepare(0);
  for (let k = 0; k < batches.length; k++) {
    options.signal?.throwIfAborted();
    const current = next;
    const step = trainer.step(current, { optimizer, maxGradientNorm: recipe.maxGradientNorm });
    if (k + 1 < batches.length) next = prepare(k + 1);
    lossSum += (await step).loss * current.batch;
    progress.advance(current.batch);
  }
  options.signal?.throwIfAborted();
  return lossSum / train.size;
}

/** Loss (equal class weights, as the head's), balanced accuracy and ROC AUC on validation. */
async function validate(options: FinetuneLoopOptions): Promise<Pick<EpochRecord, 'valLoss' | 'valBalancedAccuracy' | 'valRocAuc'>> {
  if (!options.validation) return {};
  const probabilities = await validationProbabilities(options.trainer, options.validation);
  const classes = options.trainer.classes;
  const report = classificationReport(probabilities, options.validation.labels, classes);
  const valLoss = crossEntropy(probabilities, options.validation.labels, new Float64Array(classes).fill(1));
  return { valLoss, valBalancedAccuracy: report.balancedAccuracy, valRocAuc: report.rocAuc };
}

/** Softmax probabilities [items, classes] of the trainer at its current weights. */
export async function validationProbabilities(trainer: VitFinetuner, validation: ValidationTokens): Promise<Float32Array> {
  const logits = new Float32Array(validation.labels.length * trainer.classes);
  let offset = 0;
  for (const batch of validation.batches) {
    const result = await trainer.evaluate({ pixels: new Float32Array(0), ...batch });
    logits.set(result.logits, offset);
    offset += result.logits.length;
  }
  return softmax(logits, trainer.classes);
}

/** Records the epoch, keeps the best weights and decides whether the run ends here. */
function advanceState(state: LoopState, record: EpochRecord, options: FinetuneLoopOptions): void {
  const { recipe, trainer } = options;
  state.history.push(record);
  state.epochsDone = record.epoch + 1;
  if (record.valLoss !== undefined) {
    const score = recipe.monitor === 'loss' ? record.valLoss : -record.valBalancedAccuracy!;
    if (state.best === null || score < state.best.score - 1e-9) {
      state.best = { epoch: record.epoch, score };
      state.bestWeights = new Map(trainer.parameters.map(({ name, data }) => [name, data.slice()]));
    } else if (state.epochsDone >= recipe.minEpochs && record.epoch - state.best.epoch >= recipe.patience) {
      state.stoppedEarly = true;
    }
  }
  state.finished = state.stoppedEarly || state.epochsDone >= recipe.epochs;
}

function checkpointOf(state: LoopState, options: FinetuneLoopOptions, optimizer: Optimizer): FinetuneCheckpoint {
  return {
    identity: options.checkpoint!.identity, epochsDone: state.epochsDone, finished: state.finished, stoppedEarly: state.stoppedEarly,
    history: state.history, best: state.best, rng: { seed: options.seed, nextEpoch: state.epochsDone },
    weights: new Map(options.trainer.parameters.map(({ name, data }) => [name, data])), bestWeights: state.bestWeights,
    optimizer: optimizer.saveState(),
  };
}

function keepBestWeights(state: LoopState, options: FinetuneLoopOptions): void {
  if (!state.bestWeights) return;
  for (const { name, data } of options.trainer.parameters) data.set(state.bestWeights.get(name)!);
}

function epochMessage(state: LoopState, recipe: FinetuneRecipe): string {
  const last = state.history.at(-1)!;
  const perEpoch = state.history.reduce((sum, record) => sum + (record.seconds ?? 0), 0) / state.history.length;
  const metrics = [`train loss ${last.trainLoss.toFixed(4)}`];
  if (last.valLoss !== undefined) metrics.push(`val loss ${last.valLoss.toFixed(4)}`, `val AUC ${last.valRocAuc === null || last.valRocAuc === undefined ? 'n/a' : last.valRocAuc.toFixed(3)}`);
  const end = state.finished
    ? state.stoppedEarly ? `stopped early; kept epoch ${state.best!.epoch + 1}` : 'done'
    : `eta ${formatMinutes(perEpoch * (recipe.epochs - state.epochsDone))} at most`;
  return `epoch ${last.epoch + 1}: ${metrics.join(', ')}, ${perEpoch.toFixed(1)} s/epoch, ${end}`;
}

function formatMinutes(seconds: number): string {
  return seconds < 90 ? `${Math.round(seconds)} s` : `${(seconds / 60).toFixed(1)} min`;
}
