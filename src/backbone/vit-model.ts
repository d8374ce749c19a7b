/**
 * VitModel: runs the ViT graphs with onnxruntime. Sessions are built lazily, one per requested output
 * set plus one for the input gradient, and cached until dispose().
 */
import { ensure, ensureInteger, ensureOneOf, SizeMismatchError } from '../core/index.js';
import { GraphSession, inputGradient, type SessionOptions, type Value } from '../graph/index.js';
import type { BackboneKind } from './backbone-kind.js';
import type { StateDict } from './state-dict.js';
import { backboneOf, resolveInputSize, resolveVitConfig, type VitConfig } from './vit-config.js';
import { buildVitGraph, checkVitWeights, type LinearHead, type VitGraph } from './vit-graph.js';

export type { LinearHead } from './vit-graph.js';

export const VIT_OUTPUTS = ['logits', 'cls', 'clsLast4', 'patchTokens', 'attention', 'queries', 'keys', 'values'] as const;
export type VitOutput = (typeof VIT_OUTPUTS)[number];
export type VitOutputs = Partial<Record<VitOutput, Float32Array>>;

export interface VitModelOptions {
  /** A linear head; needed for `logits` and `inputGradient`. */
  readonly head?: LinearHead;
  /** Input side, or rows and cols, in pixels (multiples of the patch); default the config's imageSize. */
  readonly inputSize?: number | { readonly rows: number; readonly cols: number };
  /** Outputs `forward` returns when no request is given; default logits with a head, else cls. */
  readonly outputs?: readonly VitOutput[];
  /** onnxruntime intra-op threads; default 2. */
  readonly threads?: number;
  /** onnxruntime graph optimisation level; default the session's ('extended', see GraphSession). */
  readonly optimizationLevel?: SessionOptions['optimizationLevel'];
  /** Let idle onnxruntime threads spin (see GraphSession); default false. */
  readonly spinning?: boolean;
}

export class VitModel {
  private readonly sessions = new Map<string, Promise<GraphSession>>();

  private constructor(
    private readonly stateDict: StateDict,
    readonly config: VitConfig,
    readonly rows: number,
    readonly cols: number,
    private readonly options: VitModelOptions,
  ) {}

  /** Validate the weights (all problems at once) and the options; no session is built yet. */
  static async create(stateDict: StateDict, config: Partial<VitConfig> = {}, options: VitModelOptions = {}): Promise<VitModel> {
    const resolved = resolveVitConfig(config);
    checkVitWeights(stateDict, resolved);
    const { rows, cols } = resolveInputSize(resolved, options.inputSize);
    for (const output of options.outputs ?? []) ensureOneOf(output, 'a ViT output', VIT_OUTPUTS);
    return new VitModel(stateDict, resolved, rows, cols, options);
  }

  /** Number of head classes (0 without a head). */
  get classes(): number {
    return this.options.head?.bias.length ?? 0;
  }

  /** The ViT family (ExplainableModel): 'vit-dino' or 'dinov2'. */
  get kind(): BackboneKind {
    return backboneOf(this.config);
  }

  /** A ViT always has its last block's attention (ExplainableModel). */
  get hasAttention(): boolean {
    return true;
  }

  /** pixels: [batch, 3, rows, cols] normalised; returns the requested arrays (see VitOutput for shapes). */
  async forward(pixels: Float32Array, batch: number, request?: readonly VitOutput[]): Promise<VitOutputs> {
    const defaults: readonly VitOutput[] = this.options.outputs ?? [this.options.head ? 'logits' : 'cls'];
    const outputs = [...new Set(request ?? defaults)].sort();
    outputs.forEach((output) => ensureOneOf(output, 'a ViT output', VIT_OUTPUTS));
    ensure(outputs.length > 0, 'at least one output', 'the forward request', outputs);
    this.checkPixels(pixels, batch);
    const session = await this.session(`forward:${outputs.join(',')}`, (graph) => {
      const values: Record<string, Value> = {};
      for (const output of outputs) values[output] = requireOutput(graph, output);
      return values;
    });
    return session.run({ pixels: { data: pixels, dims: [batch, 3, this.rows, this.cols] } });
  }

  /**
   * One run gives the logits and d(sum(seed * logits))/d(pixels): with a one-hot seed per sample, the
   * gradient of that sample's target score.
   */
  async inputGradient(pixels: Float32Array, batch: number, seed: Float32Array): Promise<{ logits: Float32Array; gradient: Float32Array }> {
    this.checkPixels(pixels, batch);
    ensure(this.classes > 0, 'a model created with a head', 'inputGradient', 'no head');
    if (seed.length !== batch * this.classes) throw new SizeMismatchError(`expected ${batch * this.classes} values (batch x classes) for the gradient seed but received ${seed.length}`);
    const session = await this.session('gradient', (graph) => {
      const seedValue = graph.builder.input('seed', ['batch', this.classes]);
      return { logits: graph.logits!, gradient: inputGradient(graph.builder, graph.logits!, seedValue, graph.pixels) };
    });
    const result = await session.run({
      pixels: { data: pixels, dims: [batch, 3, this.rows, this.cols] },
      seed: { data: seed, dims: [batch, this.classes] },
    });
    return { logits: result.logits!, gradient: result.gradient! };
  }

  async dispose(): Promise<void> {
    const sessions = [...this.sessions.values()];
    this.sessions.clear();
    for (const session of await Promise.allSettled(sessions)) if (session.status === 'fulfilled') await session.value.dispose();
  }

  private checkPixels(pixels: Float32Array, batch: number): void {
    ensureInteger(batch, 'the batch size', { min: 1 });
    const expected = batch * 3 * this.rows * this.cols;
    if (!(pixels instanceof Float32Array) || pixels.length !== expected) {
      throw new SizeMismatchError(`expected ${expected} values (${batch}x3x${this.rows}x${this.cols}) for the pixels but received ${pixels?.length}`);
    }
  }

  private session(key: string, pickOutputs: (graph: VitGraph) => Record<string, Value>): Promise<GraphSession> {
    let session = this.sessions.get(key);
    if (!session) {
      const graph = buildVitGraph(this.stateDict, this.config, { rows: this.rows, cols: this.cols, ...(this.options.head ? { head: this.options.head } : {}) });
      const model = graph.builder.toModel(pickOutputs(graph));
      const { threads, optimizationLevel, spinning } = this.options;
      session = GraphSession.create(model, { ...(threads ? { threads } : {}), ...(optimizationLevel ? { optimizationLevel } : {}), ...(spinning ? { spinning } : {}) });
      session.catch(() => this.sessions.delete(key));
      this.sessions.set(key, session);
    }
    return session;
  }
}

function requireOutput(graph: VitGraph, output: VitOutput): Value {
  const value = graph[output];
  ensure(value !== undefined, output === 'logits' ? 'a model created with a head' : 'a ViT with at least 4 blocks', `the output ${output}`, 'none');
  return value!;
}
