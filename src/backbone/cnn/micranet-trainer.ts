/**
 * MicraNetTrainer: one training step and one validation pass of MICRA-Net over onnxruntime, with the
 * tensors kept here as Float32Arrays that are fed at every run (so an optimiser updates them in place and
 * no session is rebuilt). A step returns the loss (BCE with logits and per-class positive weights, as
 * PyTorch's BCEWithLogitsLoss(pos_weight)) and every parameter's gradient from one run, and updates the
 * BatchNorm running statistics as PyTorch's train-mode forward does (momentum, unbiased batch variance).
 */
import { SizeMismatchError, ensure, ensureInteger, type Rng } from '../../core/index.js';
import { binaryCrossEntropyWithLogits, dropoutMask, lossGradients, type Feed, type TrainableTensor, type Value } from '../../graph/index.js';
import type { StateDict } from '../state-dict.js';
import { checkMicraNetStateDict, layerChannels, micraNetBufferShapes, micraNetParameterShapes, type MicraNetConfig } from './micranet-config.js';
import { buildMicraNetGraph } from './micranet-graph.js';
import { SessionCache, type RunnerSessionOptions } from './session-cache.js';

/**
 * `memoryArena` defaults to false here: a step at S = 256, batch 64 peaked at 21 GB resident with the arena
 * (docs/micranet.md); without it a step at S = 128, batch 16 took 43% less memory and about 20% more time.
 */
export interface MicraNetTrainerOptions extends RunnerSessionOptions {
  /** PyTorch's pos_weight, one per class; default 1 each. */
  readonly positiveWeights?: readonly number[];
}

export interface MicraNetStepResult {
  readonly loss: number;
  readonly logits: Float32Array;
  /** d loss / d parameter, by parameter name. */
  readonly gradients: Map<string, Float32Array>;
}

export class MicraNetTrainer {
  private readonly sessions: SessionCache;
  private readonly tensors: Map<string, Float32Array>;

  private constructor(readonly config: MicraNetConfig, stateDict: StateDict, private readonly options: MicraNetTrainerOptions) {
    this.sessions = new SessionCache({ memoryArena: false, ...options });
    this.tensors = new Map([...micraNetParameterShapes(config).keys(), ...micraNetBufferShapes(config).keys()].map((name) => [name, stateDict.get(name)!.data.slice()]));
  }

  /** The state dict is copied; `parameters` are the arrays an optimiser updates in place. */
  static create(config: MicraNetConfig, stateDict: StateDict, options: MicraNetTrainerOptions = {}): MicraNetTrainer {
    checkMicraNetStateDict(stateDict, config);
    if (options.positiveWeights) ensure(options.positiveWeights.length === config.classes, `${config.classes} positive weights`, 'the MICRA-Net loss', options.positiveWeights);
    return new MicraNetTrainer(config, stateDict, options);
  }

  /** The trainable tensors in PyTorch's order, live (updated in place by an optimiser). */
  get parameters(): TrainableTensor[] {
    return [...micraNetParameterShapes(this.config).keys()].map((name) => ({ name, data: this.tensors.get(name)! }));
  }

  /**
   * One train-mode forward and backward on a batch: pixels [batch, C, S, S] in [0, 1], targets
   * [batch, classes] of 0/1; the dropout keep mask [batch, C4] is drawn from `dropout` (a generator) or given.
   */
  async step(pixels: Float32Array, targets: Float32Array, batch: number, dropout: Rng | Float32Array): Promise<MicraNetStepResult> {
    this.checkBatch(pixels, targets, batch);
    const names = [...micraNetParameterShapes(this.config).keys()];
    const session = await this.sessions.get('train', () => {
      const graph = buildMicraNetGraph(this.config, { mode: 'train' });
      const loss = this.loss(graph.builder, graph.logits);
      const grads = lossGradients(graph.builder, loss, names.map((name) => graph.parameters.get(name)!));
      const outputs: Record<string, Value> = { loss, logits: graph.logits };
      names.forEach((name, k) => { outputs[`grad:${name}`] = grads[k]!; });
      for (const { layer, mean, variance } of graph.batchStatistics) Object.assign(outputs, { [`mean:${layer}`]: mean, [`var:${layer}`]: variance });
      return graph.builder.toModel(outputs);
    });
    const c4 = this.config.channels[3];
    const keep = dropout instanceof Float32Array ? dropout : dropoutMask(batch * c4, this.config.dropout, dropout);
    if (keep.length !== batch * c4) throw new SizeMismatchError(`expected ${batch * c4} values (batch x ${c4}) for the dropout mask but received ${keep.length}`);
    const mask: Record<string, Feed> = this.config.dropout > 0 ? { dropout_mask: { data: keep, dims: [batch, c4] } } : {};
    const out = await session.run({ ...this.feeds(pixels, targets, batch, false), ...mask });
    this.updateRunningStatistics(out, batch);
    return { loss: out.loss![0]!, logits: out.logits!, gradients: new Map(names.map((name) => [name, out[`grad:${name}`]!])) };
  }

  /** Eval-mode loss and logits (running statistics, no dropout), as a validation pass. */
  async evaluate(pixels: Float32Array, targets: Float32Array, batch: number): Promise<{ loss: number; logits: Float32Array }> {
    this.checkBatch(pixels, targets, batch);
    const session = await this.sessions.get('evaluate', () => {
      const graph = buildMicraNetGraph(this.config, { mode: 'eval' });
      return graph.builder.toModel({ loss: this.loss(graph.builder, graph.logits), logits: graph.logits });
    });
    const out = await session.run(this.feeds(pixels, targets, batch, true));
    return { loss: out.loss![0]!, logits: out.logits! };
  }

  /** A copy of every tensor (parameters and running statistics), for a checkpoint or a MicraNetModel. */
  stateDict(): StateDict {
    const shapes = new Map([...micraNetParameterShapes(this.config), ...micraNetBufferShapes(this.config)]);
    return new Map([...this.tensors].map(([name, data]) => [name, { shape: shapes.get(name)!, data: data.slice() }]));
  }

  /** Overwrite every tensor from a state dict of this config (resuming a run). */
  loadStateDict(stateDict: StateDict): void {
    checkMicraNetStateDict(stateDict, this.config);
    for (const [name, data] of this.tensors) data.set(stateDict.get(name)!.data);
  }

  async dispose(): Promise<void> {
    await this.sessions.dispose();
  }

  private loss(g: Parameters<typeof binaryCrossEntropyWithLogits>[0], logits: Value): Value {
    const targets = g.input('targets', ['batch', this.config.classes]);
    return binaryCrossEntropyWithLogits(g, logits, targets, this.options.positiveWeights ? { positiveWeights: this.options.positiveWeights } : {});
  }

  private feeds(pixels: Float32Array, targets: Float32Array, batch: number, withBuffers: boolean): Record<string, Feed> {
    const { inputChannels, inputSize, classes } = this.config;
    const feeds: Record<string, Feed> = {
      pixels: { data: pixels, dims: [batch, inputChannels, inputSize, inputSize] },
      targets: { data: targets, dims: [batch, classes] },
    };
    const shapes = withBuffers ? [...micraNetParameterShapes(this.config), ...micraNetBufferShapes(this.config)] : [...micraNetParameterShapes(this.config)];
    for (const [name, shape] of shapes) feeds[name] = { data: this.tensors.get(name)!, dims: shape };
    return feeds;
  }

  /** running = (1 - m) running + m batch, the variance unbiased by n / (n - 1) with n = batch x rows x cols. */
  private updateRunningStatistics(out: Record<string, Float32Array>, batch: number): void {
    const m = this.config.bnMomentum;
    layerChannels(this.config).forEach(({ layer }, k) => {
      const side = this.config.inputSize / 2 ** Math.floor(k / 2);
      const n = batch * side * side;
      const unbias = n > 1 ? n / (n - 1) : 1;
      const [mean, variance] = [out[`mean:${layer}`]!, out[`var:${layer}`]!];
      const [runningMean, runningVar] = [this.tensors.get(`bnorm${layer}.running_mean`)!, this.tensors.get(`bnorm${layer}.running_var`)!];
      for (let c = 0; c < runningMean.length; c++) {
        runningMean[c] = (1 - m) * runningMean[c]! + m * mean[c]!;
        runningVar[c] = (1 - m) * runningVar[c]! + m * variance[c]! * unbias;
      }
    });
  }

  private checkBatch(pixels: Float32Array, targets: Float32Array, batch: number): void {
    ensureInteger(batch, 'the batch size', { min: 1 });
    const { inputChannels, inputSize, classes } = this.config;
    const expected = batch * inputChannels * inputSize * inputSize;
    if (pixels.length !== expected) throw new SizeMismatchError(`expected ${expected} values (${batch}x${inputChannels}x${inputSize}x${inputSize}) for the pixels but received ${pixels.length}`);
    if (targets.length !== batch * classes) throw new SizeMismatchError(`expected ${batch * classes} values (batch x classes) for the targets but received ${targets.length}`);
  }
}
