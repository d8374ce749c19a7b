/**
 * MobileNetV2Model: runs the MobileNetV2 graphs with onnxruntime, as VitModel does the ViT's: sessions are
 * built lazily, one per requested output set plus one for the input gradient, and cached until dispose().
 * Pixels are [batch, 3, rows, cols], normalised with the ImageNet mean and std (the same as DINO's).
 */
import { SizeMismatchError, ensure, ensureInteger, ensureOneOf } from '../../core/index.js';
import { convOutputSize, inputGradient, type Value } from '../../graph/index.js';
import type { StateDict } from '../state-dict.js';
import { buildMobileNetV2Graph, type MobileNetV2Graph, type PooledHead } from './mobilenetv2-graph.js';
import { checkMobileNetV2Weights, convSteps, convWeightName, MOBILENETV2_IMAGENET_LAYOUT, type MobileNetV2Layout } from './mobilenetv2-layout.js';
import { SessionCache, type RunnerSessionOptions } from './session-cache.js';

export const MOBILENETV2_OUTPUTS = ['logits', 'pooled', 'featureMap'] as const;
export type MobileNetV2Output = (typeof MOBILENETV2_OUTPUTS)[number];
export type MobileNetV2Outputs = Partial<Record<MobileNetV2Output, Float32Array>>;

/** The input the ImageNet weights were trained at. */
export const MOBILENETV2_INPUT_SIZE = 224;

export interface MobileNetV2Options extends RunnerSessionOptions {
  /** A linear head on the pooled feature; needed for `logits` and `inputGradient`. */
  readonly head?: PooledHead;
  /** Input side, or rows and cols, in pixels (at least 8); default 224. */
  readonly inputSize?: number | { readonly rows: number; readonly cols: number };
  /** Default the ImageNet layout (MOBILENETV2_IMAGENET_LAYOUT). */
  readonly layout?: MobileNetV2Layout;
  /** Outputs `forward` returns when no request is given; default logits with a head, else pooled. */
  readonly outputs?: readonly MobileNetV2Output[];
}

export class MobileNetV2Model {
  private readonly sessions: SessionCache;

  private constructor(
    private readonly stateDict: StateDict,
    private readonly layout: MobileNetV2Layout,
    /** Channels of the feature map and length of the pooled feature (1280 for the ImageNet weights). */
    readonly features: number,
    readonly rows: number,
    readonly cols: number,
    private readonly options: MobileNetV2Options,
  ) {
    this.sessions = new SessionCache(options);
  }

  /** Validate the weights (all problems at once), the head and the options; no session is built yet. */
  static async create(stateDict: StateDict, options: MobileNetV2Options = {}): Promise<MobileNetV2Model> {
    const layout = options.layout ?? MOBILENETV2_IMAGENET_LAYOUT;
    const features = checkMobileNetV2Weights(stateDict, layout);
    const size = options.inputSize ?? MOBILENETV2_INPUT_SIZE;
    const rows = ensureInteger(typeof size === 'number' ? size : size.rows, 'the MobileNetV2 input rows', { min: 8 });
    const cols = ensureInteger(typeof size === 'number' ? size : size.cols, 'the MobileNetV2 input cols', { min: 8 });
    if (options.head) {
      const classes = options.head.bias.length;
      ensure(classes > 0 && options.head.weight.length === classes * features, `${classes} x ${features} values`, 'the MobileNetV2 head weight', options.head.weight);
    }
    for (const output of options.outputs ?? []) ensureOneOf(output, 'a MobileNetV2 output', MOBILENETV2_OUTPUTS);
    return new MobileNetV2Model(stateDict, layout, features, rows, cols, options);
  }

  /** Number of head classes (0 without a head). */
  get classes(): number {
    return this.options.head?.bias.length ?? 0;
  }

  /** Input pixels per feature-map cell: the product of the convolution strides (32 for the ImageNet layout). */
  get stride(): number {
    return convSteps(this.layout).reduce((product, step) => product * step.stride, 1);
  }

  /** Inverted-residual blocks of the layout (16 for the ImageNet weights). */
  get blocks(): number {
    return this.layout.blocks.length;
  }

  /** Rows and cols of the feature map (7 x 7 at 224; rows / stride for a multiple of the stride). */
  get featureGrid(): { rows: number; cols: number } {
    let { rows, cols } = this;
    for (const step of convSteps(this.layout)) {
      const kernel = this.stateDict.get(convWeightName(step.index))!.shape[2]!;
      rows = convOutputSize(rows, kernel, step.stride, (kernel - 1) / 2);
      cols = convOutputSize(cols, kernel, step.stride, (kernel - 1) / 2);
    }
    return { rows, cols };
  }

  /**
   * pixels: [batch, 3, rows, cols] normalised; returns the requested arrays: logits [batch, classes],
   * pooled [batch, features], featureMap [batch, features, grid rows, grid cols].
   */
  async forward(pixels: Float32Array, batch: number, request?: readonly MobileNetV2Output[]): Promise<MobileNetV2Outputs> {
    const defaults: readonly MobileNetV2Output[] = this.options.outputs ?? [this.options.head ? 'logits' : 'pooled'];
    const outputs = [...new Set(request ?? defaults)].sort();
    outputs.forEach((output) => ensureOneOf(output, 'a MobileNetV2 output', MOBILENETV2_OUTPUTS));
    ensure(outputs.length > 0, 'at least one output', 'the forward request', outputs);
    if (outputs.includes('logits')) ensure(this.classes > 0, 'a model created with a head', 'the output logits', 'none');
    this.checkPixels(pixels, batch);
    const session = await this.sessions.get(`forward:${outputs.join(',')}`, () => {
      const graph = this.graph();
      const values: Record<string, Value> = {};
      for (const output of outputs) values[output] = graph[output]!;
      return graph.builder.toModel(values);
    });
    return session.run({ pixels: { data: pixels, dims: [batch, 3, this.rows, this.cols] } });
  }

  /** One run gives the logits and d(sum(seed * logits))/d(pixels); `seed` is [batch, classes]. */
  async inputGradient(pixels: Float32Array, batch: number, seed: Float32Array): Promise<{ logits: Float32Array; gradient: Float32Array }> {
    this.checkPixels(pixels, batch);
    ensure(this.classes > 0, 'a model created with a head', 'inputGradient', 'no head');
    if (seed.length !== batch * this.classes) throw new SizeMismatchError(`expected ${batch * this.classes} values (batch x classes) for the gradient seed but received ${seed.length}`);
    const session = await this.sessions.get('gradient', () => {
      const graph = this.graph();
      const seedValue = graph.builder.input('seed', ['batch', this.classes]);
      return graph.builder.toModel({ logits: graph.logits!, gradient: inputGradient(graph.builder, graph.logits!, seedValue, graph.pixels) });
    });
    const result = await session.run({ pixels: { data: pixels, dims: [batch, 3, this.rows, this.cols] }, seed: { data: seed, dims: [batch, this.classes] } });
    return { logits: result.logits!, gradient: result.gradient! };
  }

  async dispose(): Promise<void> {
    await this.sessions.dispose();
  }

  private graph(): MobileNetV2Graph {
    return buildMobileNetV2Graph(this.stateDict, this.layout, { rows: this.rows, cols: this.cols, ...(this.options.head ? { head: this.options.head } : {}) });
  }

  private checkPixels(pixels: Float32Array, batch: number): void {
    ensureInteger(batch, 'the batch size', { min: 1 });
    const expected = batch * 3 * this.rows * this.cols;
    if (!(pixels instanceof Float32Array) || pixels.length !== expected) {
      throw new SizeMismatchError(`expected ${expected} values (${batch}x3x${this.rows}x${this.cols}) for the pixels but received ${pixels?.length}`);
    }
  }
}
