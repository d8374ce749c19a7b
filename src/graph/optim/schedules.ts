/**
 * Learning-rate schedules as pure functions of the epoch (or of the iteration: any step counter), each
 * returning the factor that multiplies every group's base rate (Optimizer.setLearningRateFactor), as
 * PyTorch's LambdaLR. Both have an optional linear warm-up, PyTorch's
 * SequentialLR([LinearLR(startFactor, total_iters = W), main], milestones = [W]): the factor rises
 * linearly from startFactor at epoch 0 to 1 at epoch W, then the main schedule starts at its epoch 0.
 */
import { ensureInteger, ensureNumber } from '../../core/index.js';

/** Factor of the base learning rate at an epoch (0-based). */
export type LearningRateSchedule = (epoch: number) => number;

export interface WarmupOptions {
  /** Epochs of linear warm-up before the main schedule; default 0. */
  readonly warmupEpochs?: number;
  /** Factor at epoch 0 of the warm-up; default 1/3, PyTorch LinearLR's start_factor. */
  readonly warmupStartFactor?: number;
}

export interface StepScheduleOptions extends WarmupOptions {
  /** Multiply the rate by `gamma` every `stepSize` epochs after the warm-up (PyTorch StepLR). */
  readonly stepSize: number;
  /** Default 0.1. */
  readonly gamma?: number;
}

export interface CosineScheduleOptions extends WarmupOptions {
  /** Epochs in all, warm-up included; the cosine ends here at minFactor and stays there. */
  readonly totalEpochs: number;
  /** Final factor (PyTorch CosineAnnealingLR's eta_min / base lr); default 0. */
  readonly minFactor?: number;
}

/** gamma^floor((epoch - W) / stepSize) after W warm-up epochs: the paper's x0.1 every 50 epochs. */
export function stepSchedule(options: StepScheduleOptions): LearningRateSchedule {
  const stepSize = ensureInteger(options.stepSize, 'the schedule step size', { min: 1 });
  const gamma = ensureNumber(options.gamma ?? 0.1, 'the schedule gamma', { min: 0 });
  return withWarmup(options, (epoch) => gamma ** Math.floor(epoch / stepSize));
}

/**
 * Cosine annealing (Loshchilov & Hutter, "SGDR: Stochastic Gradient Descent with Warm Restarts", ICLR
 * 2017, without restarts) over the epochs after the warm-up: min + (1 - min)(1 + cos(pi e / T)) / 2 with
 * T = totalEpochs - W, as PyTorch's CosineAnnealingLR(T_max = T).
 */
export function cosineSchedule(options: CosineScheduleOptions): LearningRateSchedule {
  const warmup = ensureInteger(options.warmupEpochs ?? 0, 'the warm-up epochs', { min: 0 });
  const span = ensureInteger(options.totalEpochs, 'the total epochs', { min: warmup + 1 }) - warmup;
  const minFactor = ensureNumber(options.minFactor ?? 0, 'the final learning-rate factor', { min: 0, max: 1 });
  return withWarmup(options, (epoch) => minFactor + ((1 - minFactor) * (1 + Math.cos((Math.PI * Math.min(epoch, span)) / span))) / 2);
}

function withWarmup(options: WarmupOptions, main: LearningRateSchedule): LearningRateSchedule {
  const warmup = ensureInteger(options.warmupEpochs ?? 0, 'the warm-up epochs', { min: 0 });
  const start = ensureNumber(options.warmupStartFactor ?? 1 / 3, 'the warm-up start factor', { min: 0, max: 1 });
  return (epoch) => {
    ensureNumber(epoch, 'the schedule epoch', { min: 0 });
    return epoch < warmup ? start + ((1 - start) * epoch) / warmup : main(epoch - warmup);
  };
}
