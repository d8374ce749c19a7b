/**
 * The fine-tuning recipe of paper Sec. 3.2 ("optionally fine-tune F and train G"): SGD with momentum 0.9, the
 * head at lr 0.005 and the fine-tuned blocks at a smaller rate, x0.1 every 50 epochs (or cosine), online
 * augmentation (random resized crop, flips, colour jitter, rotation), early stopping on validation with a
 * patience and a minimum number of epochs. Defaults live here and only here.
 */
import { ensure, ensureInteger, ensureNumber, ensureOneOf } from '../../core/index.js';
import { Sgd, cosineSchedule, stepSchedule, type LearningRateSchedule, type Optimizer, type TrainableTensor } from '../../graph/index.js';
import type { AugmentOptions, ResizedCropOptions } from '../../data/index.js';

export const FINETUNE_SCHEDULES = ['step', 'cosine'] as const;
export type FinetuneScheduleKind = (typeof FINETUNE_SCHEDULES)[number];

export interface FinetuneRecipe {
  /** Trained blocks at the end of the ViT (>= 1; the final norm and the head train with them). */
  readonly blocks: number;
  /** Most epochs; early stopping usually ends the run sooner. */
  readonly epochs: number;
  /** The head's learning rate. */
  readonly lr: number;
  /** The blocks' (and final norm's) learning rate as a fraction of the head's. */
  readonly blockLrFactor: number;
  readonly momentum: number;
  /** L2 penalty on every trained tensor. */
  readonly weightDecay: number;
  /** 'step': x gamma every stepEvery epochs; 'cosine': to 0 over the epochs. */
  readonly schedule: FinetuneScheduleKind;
  readonly stepEvery: number;
  readonly gamma: number;
  readonly batchSize: number;
  /** Stop after this many epochs without improvement on validation... */
  readonly patience: number;
  /** ...but never before this many epochs. */
  readonly minEpochs: number;
  readonly monitor: 'loss' | 'balancedAccuracy';
  /** Clip gradients to this global norm (also stops a diverged run: a NaN norm throws). */
  readonly maxGradientNorm: number;
  /** Augment every training image every epoch. */
  readonly augment: boolean;
  readonly crop: ResizedCropOptions;
  readonly colour: AugmentOptions;
  /** 'balanced' weights each class's loss by n / (K n_k), as the linear head does; null for equal weights. */
  readonly classWeights: 'balanced' | null;
}

export type FinetuneSettings = Partial<FinetuneRecipe> & Pick<FinetuneRecipe, 'blocks'>;

export const FINETUNE_DEFAULTS: Readonly<Omit<FinetuneRecipe, 'blocks'>> = Object.freeze({
  epochs: 100, lr: 0.005, blockLrFactor: 0.1, momentum: 0.9, weightDecay: 0,
  schedule: 'step', stepEvery: 50, gamma: 0.1, batchSize: 32,
  patience: 10, minEpochs: 5, monitor: 'loss', maxGradientNorm: 5,
  augment: true, crop: Object.freeze({ scale: [0.5, 1] as const, ratio: [3 / 4, 4 / 3] as const }), colour: Object.freeze({}),
  classWeights: 'balanced',
});

/** The settings over the defaults, each checked; `depth` bounds the blocks. */
export function resolveFinetuneRecipe(settings: FinetuneSettings, depth: number): FinetuneRecipe {
  const recipe: FinetuneRecipe = { ...FINETUNE_DEFAULTS, ...settings };
  ensureInteger(recipe.blocks, `the fine-tuned blocks (the ViT has ${depth})`, { min: 1, max: depth });
  ensureInteger(recipe.epochs, 'the fine-tuning epochs', { min: 1 });
  ensureNumber(recipe.lr, 'the head learning rate', { min: 0 });
  ensureNumber(recipe.blockLrFactor, 'the block learning-rate factor', { min: 0 });
  ensureNumber(recipe.momentum, 'the momentum', { min: 0, max: 1 });
  ensureNumber(recipe.weightDecay, 'the weight decay', { min: 0 });
  ensureOneOf(recipe.schedule, 'the learning-rate schedule', FINETUNE_SCHEDULES);
  ensureInteger(recipe.stepEvery, 'the step-decay period', { min: 1 });
  ensureNumber(recipe.gamma, 'the step-decay factor', { min: 0 });
  ensureInteger(recipe.batchSize, 'the fine-tuning batch size', { min: 1 });
  ensureInteger(recipe.patience, 'the early-stopping patience', { min: 1 });
  ensureInteger(recipe.minEpochs, 'the minimum epochs', { min: 1 });
  ensureOneOf(recipe.monitor, 'the early-stopping monitor', ['loss', 'balancedAccuracy']);
  ensureNumber(recipe.maxGradientNorm, 'the maximum gradient norm', { min: Number.MIN_VALUE });
  ensure(recipe.classWeights === null || recipe.classWeights === 'balanced', "'balanced' or null", 'the class weights', recipe.classWeights);
  return recipe;
}

/** Two parameter groups, as PyTorch param_groups: the head at lr, the blocks and final norm at lr x blockLrFactor. */
export function createFinetuneOptimizer(parameters: readonly TrainableTensor[], recipe: FinetuneRecipe): Optimizer {
  const head = parameters.filter((p) => p.name.startsWith('head.'));
  const backbone = parameters.filter((p) => !p.name.startsWith('head.'));
  return new Sgd([{ params: head, lr: recipe.lr }, { params: backbone, lr: recipe.lr * recipe.blockLrFactor }], { momentum: recipe.momentum, weightDecay: recipe.weightDecay });
}

export function finetuneSchedule(recipe: FinetuneRecipe): LearningRateSchedule {
  return recipe.schedule === 'cosine' ? cosineSchedule({ totalEpochs: recipe.epochs }) : stepSchedule({ stepSize: recipe.stepEvery, gamma: recipe.gamma });
}

/**
 * The seed of an epoch's generator (shuffle and augmentation). Each epoch draws from its own stream, so the
 * random state at an epoch boundary is just (seed, epoch) and a resumed run replays the epochs exactly.
 */
export function epochSeed(seed: number, epoch: number): number {
  let z = (Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(epoch + 1, 0x85ebca6b)) >>> 0;
  z = Math.imul(z ^ (z >>> 15), 0x2c1b3c6d) >>> 0;
  return (z ^ (z >>> 13)) >>> 0;
}
