/**
 * AdamW, Adam with decoupled weight decay (Loshchilov & Hutter, "Decoupled Weight Decay Regularization",
 * ICLR 2019), step for step as PyTorch's torch.optim.AdamW (amsgrad off):
 *   p = p * (1 - lr * weightDecay)
 *   m = beta1 m + (1 - beta1) g,   v = beta2 v + (1 - beta2) g^2
 *   p = p - (lr / (1 - beta1^t)) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
 */
import { ensure, ensureNumber } from '../../core/index.js';
import { ParameterOptimizer, type ParameterGroup, type ResolvedParameter } from './optimizer.js';

export interface AdamWOptions {
  /** Default [0.9, 0.999]. */
  readonly betas?: readonly [number, number];
  /** Default 1e-8. */
  readonly eps?: number;
  /** Decoupled weight decay; default 0.01 as PyTorch. A group's `weightDecay` overrides it. */
  readonly weightDecay?: number;
}

export class AdamW extends ParameterOptimizer {
  private readonly beta1: number;
  private readonly beta2: number;
  private readonly eps: number;

  constructor(groups: readonly ParameterGroup[], options: AdamWOptions = {}) {
    super(groups, ensureNumber(options.weightDecay ?? 0.01, 'the weight decay', { min: 0 }), 2);
    const [beta1, beta2] = options.betas ?? [0.9, 0.999];
    ensure(options.betas === undefined || options.betas.length === 2, 'two betas', 'AdamW', options.betas);
    this.beta1 = ensureNumber(beta1, 'AdamW beta1', { min: 0, max: 0.999999 });
    this.beta2 = ensureNumber(beta2, 'AdamW beta2', { min: 0, max: 0.999999 });
    this.eps = ensureNumber(options.eps ?? 1e-8, 'the AdamW epsilon', { min: 0 });
  }

  protected update({ tensor, lr, weightDecay }: ResolvedParameter, gradient: Float32Array, buffers: Float32Array[], step: number): void {
    const p = tensor.data;
    const [m, v] = buffers as [Float32Array, Float32Array];
    const { beta1, beta2, eps } = this;
    const stepSize = lr / (1 - beta1 ** step);
    const secondCorrection = Math.sqrt(1 - beta2 ** step);
    const decay = 1 - lr * weightDecay;
    for (let i = 0; i < p.length; i++) {
      const g = gradient[i]!;
      m[i] = beta1 * m[i]! + (1 - beta1) * g;
      v[i] = beta2 * v[i]! + (1 - beta2) * g * g;
      p[i] = p[i]! * decay - (stepSize * m[i]!) / (Math.sqrt(v[i]!) / secondCorrection + eps);
    }
  }
}
