/**
 * VitFinetuner: fine-tunes the last N blocks of a ViT, its final norm and a linear head on the CLS token.
 * Each step runs the frozen prefix (patch embedding, position embeddings and the first depth - N blocks,
 * the ordinary forward graph with the weights as initialisers and no gradient nodes), then the trainable
 * graph (vit-finetune-graph.ts) on its output, which returns the loss, the logits and every trainable
 * gradient; an optimiser (graph/optim) then updates the held weights in place. Only the last N blocks'
 * activations live in the trainable run, never the whole backbone's.
 */
import { SizeMismatchError, ensureInteger } from '../core/index.js';
import { GraphSession, clipGradientNorm, type Optimizer, type TrainableTensor, type Value } from '../graph/index.js';
import type { StateDict } from './state-dict.js';
import { resolveInputSize, resolveVitConfig, tokenCount, type VitConfig } from './vit-config.js';
import { buildVitFinetuneGraph, finetuneParameterShapes, type FinetuneLoss, type VitFinetuneGraph } from './vit-finetune-graph.js';
import { buildVitGraph, checkVitWeights, type LinearHead } from './vit-graph.js';
import type { VitModelOptions } from './vit-model.js';

export interface VitFinetunerOptions extends Pick<VitModelOptions, 'inputSize' | 'threads' | 'optimizationLevel' | 'spinning'> {
  /** Trainable blocks at the end of the ViT, 1..depth (the patch and position embeddings stay frozen). */
  readonly blocks: number;
  /** The starting head ([classes, dim] weight, [classes] bias); without one, a zero head for `classes` classes. */
  readonly head?: Pick<LinearHead, 'weight' | 'bias'>;
  readonly classes?: number;
  /** Default cross-entropy without class weights. */
  readonly loss?: FinetuneLoss;
}

/** A batch of images and their targets [batch, classes] (one-hot rows for cross-entropy, 0/1 for binary). */
export interface FinetuneBatch {
  /** [batch, 3, rows, cols], normalised. */
  readonly pixels: Float32Array;
  readonly batch: number;
  readonly targets: Float32Array;
  /**
   * The frozen prefix's output for these pixels (see frozenTokens), when the caller already has it: images
   * seen again without augmentation need not run the frozen blocks twice.
   */
  readonly tokens?: Float32Array;
}

export interface FinetuneResult {
  readonly loss: number;
  /** [batch, classes]. */
  readonly logits: Float32Array;
}

export interface FinetuneGradients extends FinetuneResult {
  /** d loss / d tensor, by trainable tensor name. */
  readonly gradients: Map<string, Float32Array>;
}

export interface FinetuneStepOptions {
  readonly optimizer: Optimizer;
  /** Clip the gradients to this global L2 norm before the update (clipGradientNorm); default no clipping. */
  readonly maxGradientNorm?: number;
}

export class VitFinetuner {
  private readonly sessions = new Map<string, Promise<GraphSession>>();
  private readonly graph: VitFinetuneGraph;

  private constructor(
    private readonly baseWeights: StateDict,
    readonly config: VitConfig,
    readonly size: { readonly rows: number; readonly cols: number },
    /** The trainable tensors, in graph order: live arrays that an optimiser updates in place. */
    readonly parameters: readonly TrainableTensor[],
    private readonly options: VitFinetunerOptions,
  ) {
    const tokens = tokenCount(config, size);
    this.graph = buildVitFinetuneGraph(config, { blocks: options.blocks, tokens, classes: this.classes, ...(options.loss ? { loss: options.loss } : {}) });
  }

  /** Validate weights (all problems at once), head and sizes; the trainable tensors start as copies of the given ones. */
  static async create(stateDict: StateDict, config: Partial<VitConfig>, options: VitFinetunerOptions): Promise<VitFinetuner> {
    const resolved = resolveVitConfig(config);
    checkVitWeights(stateDict, resolved);
    const classes = options.head ? options.head.bias.length : ensureInteger(options.classes, 'the number of classes without a head', { min: 1 });
    const shapes = finetuneParameterShapes(resolved, options.blocks, classes);
    const initial = (name: string, size: number): Float32Array => {
      const given = name === 'head.weight' ? options.head?.weight : name === 'head.bias' ? options.head?.bias : stateDict.get(name)!.data;
      if (given && given.length !== size) throw new SizeMismatchError(`expected ${size} values for ${name} but received ${given.length}`);
      return given ? given.slice() : new Float32Array(size);
    };
    const parameters = [...shapes].map(([name, shape]) => ({ name, data: initial(name, shape.reduce((a, b) => a * b, 1)) }));
    return new VitFinetuner(stateDict, resolved, resolveInputSize(resolved, options.inputSize), parameters, options);
  }

  get classes(): number {
    return this.options.head?.bias.length ?? this.options.classes!;
  }

  /** The frozen prefix's output [batch, tokens, dim] (CLS, any registers, patches): the stream entering the first trainable block. */
  async frozenTokens(pixels: Float32Array, batch: number): Promise<Float32Array> {
    this.checkPixels(pixels, batch);
    const session = await this.session('prefix', () => {
      const graph = buildVitGraph(this.baseWeights, this.config, this.size);
      return graph.builder.toModel({ hidden: graph.blockInputs[this.config.depth - this.options.blocks]! });
    });
    return (await session.run({ pixels: { data: pixels, dims: [batch, 3, this.size.rows, this.size.cols] } })).hidden!;
  }

  /** Loss, logits and the gradient of every trainable tensor at the current weights. */
  async gradients(batch: FinetuneBatch): Promise<FinetuneGradients> {
    const outputs: Record<string, Value> = { loss: this.graph.loss, logits: this.graph.logits };
    for (const [name, gradient] of this.graph.gradients) outputs[`gradient:${name}`] = gradient;
    const result = await this.runTrainable('gradients', outputs, batch);
    const gradients = new Map(this.parameters.map(({ name }) => [name, result[`gradient:${name}`]!]));
    return { loss: result.loss![0]!, logits: result.logits!, gradients };
  }

  /** One training step: gradients, optional clipping, then the optimiser's in-place update. */
  async step(batch: FinetuneBatch, options: FinetuneStepOptions): Promise<FinetuneGradients & { gradientNorm?: number }> {
    const result = await this.gradients(batch);
    const gradientNorm = options.maxGradientNorm === undefined ? undefined : clipGradientNorm(result.gradients.values(), options.maxGradientNorm);
    options.optimizer.step(result.gradients);
    return { ...result, ...(gradientNorm === undefined ? {} : { gradientNorm }) };
  }

  /** Loss and logits at the current weights, with no gradient nodes (validation). */
  async evaluate(batch: FinetuneBatch): Promise<FinetuneResult> {
    const result = await this.runTrainable('evaluate', { loss: this.graph.loss, logits: this.graph.logits }, batch);
    return { loss: result.loss![0]!, logits: result.logits! };
  }

  /** The base state dict with the trained tensors (copies) in place of the originals, head.weight and head.bias included. */
  stateDict(): StateDict {
    const dict: StateDict = new Map(this.baseWeights);
    for (const { name, data } of this.parameters) dict.set(name, { shape: this.graph.parameters.get(name)!.shape as number[], data: data.slice() });
    return dict;
  }

  /** The current head (copies), for VitModel with the state dict above. */
  head(): LinearHead {
    const find = (name: string): Float32Array => this.parameters.find((p) => p.name === name)!.data.slice();
    return { weight: find('head.weight'), bias: find('head.bias'), features: 'cls' };
  }

  async dispose(): Promise<void> {
    const sessions = [...this.sessions.values()];
    this.sessions.clear();
    for (const session of await Promise.allSettled(sessions)) if (session.status === 'fulfilled') await session.value.dispose();
  }

  private async runTrainable(key: string, outputs: Record<string, Value>, batch: FinetuneBatch): Promise<Record<string, Float32Array>> {
    const size = ensureInteger(batch.batch, 'the batch size', { min: 1 });
    const tokens = this.graph.hidden.shape[1] as number;
    const hidden = batch.tokens ?? (await this.frozenTokens(batch.pixels, size));
    if (hidden.length !== size * tokens * this.config.dim) throw new SizeMismatchError(`expected ${size * tokens * this.config.dim} values (${size}x${tokens}x${this.config.dim}) for the frozen tokens but received ${hidden.length}`);
    if (batch.targets?.length !== size * this.classes) throw new SizeMismatchError(`expected ${size * this.classes} values (batch x classes) for the targets but received ${batch.targets?.length}`);
    const session = await this.session(key, () => this.graph.builder.toModel(outputs));
    const feeds = Object.fromEntries(this.parameters.map(({ name, data }) => [name, { data, dims: this.graph.parameters.get(name)!.shape as number[] }]));
    return session.run({
      ...feeds,
      hidden: { data: hidden, dims: [size, tokens, this.config.dim] },
      targets: { data: batch.targets, dims: [size, this.classes] },
    });
  }

  private checkPixels(pixels: Float32Array, batch: number): void {
    ensureInteger(batch, 'the batch size', { min: 1 });
    const expected = batch * 3 * this.size.rows * this.size.cols;
    if (!(pixels instanceof Float32Array) || pixels.length !== expected) {
      throw new SizeMismatchError(`expected ${expected} values (${batch}x3x${this.size.rows}x${this.size.cols}) for the pixels but received ${pixels?.length}`);
    }
  }

  private session(key: string, model: () => Uint8Array): Promise<GraphSession> {
    let session = this.sessions.get(key);
    if (!session) {
      const { threads, optimizationLevel, spinning } = this.options;
      session = GraphSession.create(model(), { ...(threads ? { threads } : {}), ...(optimizationLevel ? { optimizationLevel } : {}), ...(spinning ? { spinning } : {}) });
      session.catch(() => this.sessions.delete(key));
      this.sessions.set(key, session);
    }
    return session;
  }
}
