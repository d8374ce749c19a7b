/**
 * What every optimiser here shares: parameter groups over named Float32Arrays updated in place (the
 * arrays a trainer feeds its graph, so an update needs no copy), a learning-rate factor set by a schedule,
 * per-parameter state buffers, and save/load of that state for resuming a run.
 */
import { InvalidArgumentError, SizeMismatchError, ensure, ensureNumber } from '../../core/index.js';

/** A trainable tensor: its name (the gradient's key) and its values, which an optimiser updates in place. */
export interface TrainableTensor {
  readonly name: string;
  readonly data: Float32Array;
}

/** Parameters that share a learning rate (and optionally a weight decay), as PyTorch's param_groups. */
export interface ParameterGroup {
  readonly params: readonly TrainableTensor[];
  /** The base learning rate; a schedule multiplies it (see setLearningRateFactor). */
  readonly lr: number;
  /** Overrides the optimiser's weight decay for this group (0 for norms and biases, say). */
  readonly weightDecay?: number;
}

/** Gradients by parameter name, each of its parameter's length. */
export type Gradients = ReadonlyMap<string, Float32Array>;

/** Step count and per-parameter buffers (momentum; Adam's moments), for checkpoints. */
export interface OptimizerState {
  readonly steps: number;
  readonly buffers: ReadonlyMap<string, readonly Float32Array[]>;
}

export interface Optimizer {
  /** Update every parameter in place from its gradient (every parameter must have one). */
  step(gradients: Gradients): void;
  /** Scale every group's base learning rate by `factor` from the next step on (what a schedule sets). */
  setLearningRateFactor(factor: number): void;
  /** The learning rate each group uses now (base times factor). */
  learningRates(): number[];
  /** Steps taken so far. */
  readonly steps: number;
  /** A copy of the state, to write to a checkpoint. */
  saveState(): OptimizerState;
  /** Restore a saved state (copied in), for parameters of the same names and sizes. */
  loadState(state: OptimizerState): void;
}

/** A parameter with its group's resolved settings, as the update rules see it. */
export interface ResolvedParameter {
  readonly tensor: TrainableTensor;
  readonly lr: number;
  readonly weightDecay: number;
}

export abstract class ParameterOptimizer implements Optimizer {
  private readonly groups: readonly ParameterGroup[];
  private readonly buffers = new Map<string, Float32Array[]>();
  private factor = 1;
  private stepCount = 0;

  protected constructor(groups: readonly ParameterGroup[], private readonly defaultWeightDecay: number, private readonly buffersPerParameter: number) {
    ensure(groups.length > 0, 'at least one parameter group', 'the optimiser', groups);
    const names = new Set<string>();
    for (const group of groups) {
      ensureNumber(group.lr, 'the learning rate', { min: 0 });
      if (group.weightDecay !== undefined) ensureNumber(group.weightDecay, 'the weight decay', { min: 0 });
      for (const param of group.params) {
        if (names.has(param.name)) throw new InvalidArgumentError(`expected each parameter in one group only but received ${param.name} twice`);
        names.add(param.name);
      }
    }
    this.groups = groups;
  }

  get steps(): number {
    return this.stepCount;
  }

  step(gradients: Gradients): void {
    const resolved = this.groups.flatMap((group) => group.params.map((tensor) => ({ tensor, lr: group.lr * this.factor, weightDecay: group.weightDecay ?? this.defaultWeightDecay })));
    for (const { tensor } of resolved) checkGradient(tensor, gradients.get(tensor.name));
    this.stepCount += 1;
    for (const parameter of resolved) this.update(parameter, gradients.get(parameter.tensor.name)!, this.buffersOf(parameter.tensor), this.stepCount);
  }

  setLearningRateFactor(factor: number): void {
    this.factor = ensureNumber(factor, 'the learning-rate factor', { min: 0 });
  }

  learningRates(): number[] {
    return this.groups.map((group) => group.lr * this.factor);
  }

  saveState(): OptimizerState {
    return { steps: this.stepCount, buffers: new Map([...this.buffers].map(([name, list]) => [name, list.map((b) => b.slice())])) };
  }

  loadState(state: OptimizerState): void {
    const tensors = new Map(this.groups.flatMap((group) => group.params.map((p) => [p.name, p] as const)));
    for (const [name, list] of state.buffers) {
      const tensor = tensors.get(name);
      ensure(tensor !== undefined, 'buffers for parameters of this optimiser', 'the optimiser state', name);
      ensure(list.length === this.buffersPerParameter && list.every((b) => b.length === tensor!.data.length),
        `${this.buffersPerParameter} buffers of ${tensor!.data.length} values`, `the optimiser state of ${name}`, list);
    }
    this.buffers.clear();
    for (const [name, list] of state.buffers) this.buffers.set(name, list.map((b) => b.slice()));
    this.stepCount = state.steps;
  }

  /**
   * Apply one update to `parameter` in place. `buffers` are this parameter's state, zero-filled on its
   * first step (`step` = 1); `step` counts from 1.
   */
  protected abstract update(parameter: ResolvedParameter, gradient: Float32Array, buffers: Float32Array[], step: number): void;

  private buffersOf(tensor: TrainableTensor): Float32Array[] {
    let list = this.buffers.get(tensor.name);
    if (!list) {
      list = Array.from({ length: this.buffersPerParameter }, () => new Float32Array(tensor.data.length));
      this.buffers.set(tensor.name, list);
    }
    return list;
  }
}

function checkGradient(tensor: TrainableTensor, gradient: Float32Array | undefined): void {
  if (!gradient) throw new InvalidArgumentError(`expected a gradient for ${tensor.name} but received none`);
  if (gradient.length !== tensor.data.length) {
    throw new SizeMismatchError(`expected ${tensor.data.length} values for the gradient of ${tensor.name} but received ${gradient.length}`);
  }
}
