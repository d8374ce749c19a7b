/**
 * Stochastic gradient descent with momentum and (coupled, L2) weight decay, step for step as PyTorch's
 * torch.optim.SGD (Sutskever et al., "On the importance of initialization and momentum in deep
 * learning", 2013, in PyTorch's form):
 *   d = g + weightDecay * p
 *   b = d on the first step, else momentum * b + (1 - dampening) * d
 *   d = d + momentum * b (Nesterov) or b
 *   p = p - lr * d
 */
import { ensure, ensureNumber } from '../../core/index.js';
import { ParameterOptimizer, type ParameterGroup, type ResolvedParameter } from './optimizer.js';

export interface SgdOptions {
  /** Default 0 (plain SGD, no state). */
  readonly momentum?: number;
  /** Default 0. */
  readonly dampening?: number;
  /** L2 penalty added to the gradient; default 0. A group's `weightDecay` overrides it. */
  readonly weightDecay?: number;
  /** Nesterov momentum; needs momentum > 0 and dampening 0, as in PyTorch. Default false. */
  readonly nesterov?: boolean;
}

export class Sgd extends ParameterOptimizer {
  private readonly momentum: number;
  private readonly dampening: number;
  private readonly nesterov: boolean;

  constructor(groups: readonly ParameterGroup[], options: SgdOptions = {}) {
    const momentum = ensureNumber(options.momentum ?? 0, 'the SGD momentum', { min: 0 });
    super(groups, ensureNumber(options.weightDecay ?? 0, 'the weight decay', { min: 0 }), momentum > 0 ? 1 : 0);
    this.momentum = momentum;
    this.dampening = ensureNumber(options.dampening ?? 0, 'the SGD dampening', { min: 0, max: 1 });
    this.nesterov = options.nesterov ?? false;
    ensure(!this.nesterov || (momentum > 0 && this.dampening === 0), 'momentum > 0 and dampening 0', 'Nesterov SGD', `momentum ${momentum}, dampening ${this.dampening}`);
  }

  protected update({ tensor, lr, weightDecay }: ResolvedParameter, gradient: Float32Array, buffers: Float32Array[], step: number): void {
    const p = tensor.data;
    const buffer = buffers[0];
    const { momentum, dampening, nesterov } = this;
    for (let i = 0; i < p.length; i++) {
      let d = gradient[i]! + weightDecay * p[i]!;
      if (buffer) {
        buffer[i] = step === 1 ? d : momentum * buffer[i]! + (1 - dampening) * d;
        d = nesterov ? d + momentum * buffer[i]! : buffer[i]!;
      }
      p[i] = p[i]! - lr * d;
    }
  }
}
