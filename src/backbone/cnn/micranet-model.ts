/**
 * MicraNetModel: a trained MICRA-Net in eval mode (running statistics, no dropout) over onnxruntime, with
 * frozen weights (onnxruntime folds each BatchNorm into its conv). `forward` gives the logits; `gradCam`
 * gives, from one run, the logits and every conv layer's activation and its gradient of sum(seed * logits),
 * the inputs of Grad-CAM (Selvaraju et al., ICCV 2017) that MICRA-Net segments from.
 */
import { SizeMismatchError, ensureInteger } from '../../core/index.js';
import { gradients, type Value } from '../../graph/index.js';
import type { StateDict } from '../state-dict.js';
import { checkMicraNetStateDict, layerChannels, resolveMicraNetConfig, type MicraNetConfig } from './micranet-config.js';
import { buildMicraNetGraph } from './micranet-graph.js';
import { SessionCache, type RunnerSessionOptions } from './session-cache.js';

export interface LayerActivation {
  /** [batch, channels, rows, cols] */
  readonly activation: Float32Array;
  /** d sum(seed * logits) / d activation, same shape. */
  readonly gradient: Float32Array;
  readonly channels: number;
  readonly rows: number;
  readonly cols: number;
}

export class MicraNetModel {
  private readonly sessions: SessionCache;

  private constructor(readonly config: MicraNetConfig, private readonly stateDict: StateDict, options: RunnerSessionOptions) {
    this.sessions = new SessionCache(options);
  }

  static async create(stateDict: StateDict, config: Partial<MicraNetConfig> & { classes: number }, options: RunnerSessionOptions = {}): Promise<MicraNetModel> {
    const resolved = resolveMicraNetConfig(config);
    checkMicraNetStateDict(stateDict, resolved);
    return new MicraNetModel(resolved, stateDict, options);
  }

  get classes(): number {
    return this.config.classes;
  }

  /** pixels [batch, C, S, S] in [0, 1]; returns the logits [batch, classes]. */
  async forward(pixels: Float32Array, batch: number): Promise<Float32Array> {
    this.checkPixels(pixels, batch);
    const session = await this.sessions.get('forward', () => {
      const graph = buildMicraNetGraph(this.config, { mode: 'eval', weights: this.stateDict });
      return graph.builder.toModel({ logits: graph.logits });
    });
    return (await session.run({ pixels: this.pixelFeed(pixels, batch) })).logits!;
  }

  /** One run: the logits and, per conv layer (MICRANET_LAYERS order), its activation and gradient. `seed` is [batch, classes]. */
  async gradCam(pixels: Float32Array, batch: number, seed: Float32Array): Promise<{ logits: Float32Array; layers: LayerActivation[] }> {
    this.checkPixels(pixels, batch);
    if (seed.length !== batch * this.classes) throw new SizeMismatchError(`expected ${batch * this.classes} values (batch x classes) for the gradient seed but received ${seed.length}`);
    const session = await this.sessions.get('grad-cam', () => {
      const graph = buildMicraNetGraph(this.config, { mode: 'eval', weights: this.stateDict });
      const seedValue = graph.builder.input('seed', ['batch', this.classes]);
      const grads = gradients(graph.builder, graph.logits, seedValue, graph.activations);
      const outputs: Record<string, Value> = { logits: graph.logits };
      graph.activations.forEach((activation, k) => Object.assign(outputs, { [`activation${k}`]: activation, [`gradient${k}`]: grads[k]! }));
      return graph.builder.toModel(outputs);
    });
    const out = await session.run({ pixels: this.pixelFeed(pixels, batch), seed: { data: seed, dims: [batch, this.classes] } });
    const layers = layerChannels(this.config).map(({ out: channels }, k) => {
      const side = this.config.inputSize / 2 ** Math.floor(k / 2);
      return { activation: out[`activation${k}`]!, gradient: out[`gradient${k}`]!, channels, rows: side, cols: side };
    });
    return { logits: out.logits!, layers };
  }

  async dispose(): Promise<void> {
    await this.sessions.dispose();
  }

  private pixelFeed(pixels: Float32Array, batch: number): { data: Float32Array; dims: number[] } {
    return { data: pixels, dims: [batch, this.config.inputChannels, this.config.inputSize, this.config.inputSize] };
  }

  private checkPixels(pixels: Float32Array, batch: number): void {
    ensureInteger(batch, 'the batch size', { min: 1 });
    const { inputChannels, inputSize } = this.config;
    const expected = batch * inputChannels * inputSize * inputSize;
    if (!(pixels instanceof Float32Array) || pixels.length !== expected) {
      throw new SizeMismatchError(`expected ${expected} values (${batch}x${inputChannels}x${inputSize}x${inputSize}) for the pixels but received ${pixels?.length}`);
    }
  }
}
