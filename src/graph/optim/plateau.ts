/**
 * Reduce the learning rate when a metric stops improving, step for step as PyTorch's
 * torch.optim.lr_scheduler.ReduceLROnPlateau (mode 'min', threshold mode 'rel'): an epoch improves when
 * metric < best (1 - threshold); after more than `patience` epochs without improvement the rate becomes
 * max(rate x factor, minLr) (unless that changes it by eps or less), then `cooldown` epochs count no bad
 * epochs. One rate for the run: apply it with Optimizer.setLearningRateFactor(rate / base rate).
 */
import { ensure, ensureInteger, ensureNumber } from '../../core/index.js';

export interface PlateauOptions {
  /** The starting (base) learning rate. */
  readonly lr: number;
  /** Default 0.1. */
  readonly factor?: number;
  /** Default 10. */
  readonly patience?: number;
  /** Relative improvement needed; default 1e-4. */
  readonly threshold?: number;
  /** Default 0. */
  readonly minLr?: number;
  /** Default 0. */
  readonly cooldown?: number;
  /** Smallest change of the rate that is applied; default 1e-8. */
  readonly eps?: number;
}

export interface PlateauState {
  readonly lr: number;
  readonly best: number | null;
  readonly badEpochs: number;
  readonly cooldownCounter: number;
}

export class ReduceLrOnPlateau {
  private readonly factor: number;
  private readonly patience: number;
  private readonly threshold: number;
  private readonly minLr: number;
  private readonly cooldown: number;
  private readonly eps: number;
  private lr: number;
  private best = Infinity;
  private badEpochs = 0;
  private cooldownCounter = 0;

  constructor(options: PlateauOptions) {
    this.lr = ensureNumber(options.lr, 'the learning rate', { min: 0 });
    this.factor = ensureNumber(options.factor ?? 0.1, 'the plateau factor', { min: 0, max: 0.999999 });
    this.patience = ensureInteger(options.patience ?? 10, 'the plateau patience', { min: 0 });
    this.threshold = ensureNumber(options.threshold ?? 1e-4, 'the plateau threshold', { min: 0, max: 1 });
    this.minLr = ensureNumber(options.minLr ?? 0, 'the minimum learning rate', { min: 0 });
    this.cooldown = ensureInteger(options.cooldown ?? 0, 'the plateau cooldown', { min: 0 });
    this.eps = ensureNumber(options.eps ?? 1e-8, 'the plateau eps', { min: 0 });
  }

  /** The rate to use from the next epoch on. */
  get learningRate(): number {
    return this.lr;
  }

  /** Record one epoch's metric (a validation loss); returns the learning rate for the next epoch. */
  step(metric: number): number {
    ensure(!Number.isNaN(metric), 'a number', 'the plateau metric', metric);
    if (metric < this.best * (1 - this.threshold)) {
      this.best = metric;
      this.badEpochs = 0;
    } else {
      this.badEpochs += 1;
    }
    if (this.cooldownCounter > 0) {
      this.cooldownCounter -= 1;
      this.badEpochs = 0;
    }
    if (this.badEpochs > this.patience) {
      const reduced = Math.max(this.lr * this.factor, this.minLr);
      if (this.lr - reduced > this.eps) this.lr = reduced;
      this.cooldownCounter = this.cooldown;
      this.badEpochs = 0;
    }
    return this.lr;
  }

  saveState(): PlateauState {
    return { lr: this.lr, best: Number.isFinite(this.best) ? this.best : null, badEpochs: this.badEpochs, cooldownCounter: this.cooldownCounter };
  }

  loadState(state: PlateauState): void {
    this.lr = ensureNumber(state.lr, 'the saved learning rate', { min: 0 });
    this.best = state.best ?? Infinity;
    this.badEpochs = ensureInteger(state.badEpochs, 'the saved bad epochs', { min: 0 });
    this.cooldownCounter = ensureInteger(state.cooldownCounter, 'the saved cooldown', { min: 0 });
  }
}
