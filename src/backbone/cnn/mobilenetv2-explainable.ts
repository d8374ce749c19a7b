/**
 * MobileNetV2 as an ExplainableModel: the ViT output names the pipeline asks for, answered from the CNN.
 * 'logits' are the head's, 'cls' is the pooled feature (what the head reads), 'patchTokens' are the cells of
 * the last feature map as token rows [N, features] (row-major over the 7 x 7 grid at 224), and 'keys' are the
 * same rows centred on the image's mean row, as one "head" [1, 1 + N, features] behind a zero CLS row, so
 * patchKeysAcrossHeads, the patch-graph Normalized Cut, TokenCut and MaskCut read them as they read a ViT's
 * keys. (Centred because the cells are ReLU6 outputs, all non-negative: uncentred, every pair of cells has a
 * cosine well above TokenCut's tau, the affinity graph is complete and the cut degenerates.) There is no attention: a request
 * for it is left out of the result (hasAttention is false); the other ViT-only outputs are refused.
 */
import { ensure, ensureOneOf, invalid } from '../../core/index.js';
import type { BackboneKind } from '../backbone-kind.js';
import type { ExplainableConfig, ExplainableModel } from '../explainable-model.js';
import type { StateDict } from '../state-dict.js';
import { VIT_OUTPUTS, type VitOutput, type VitOutputs } from '../vit-model.js';
import { MOBILENETV2_INPUT_SIZE, MobileNetV2Model, type MobileNetV2Options, type MobileNetV2Output } from './mobilenetv2-model.js';

/** What a head trained on MobileNetV2 records as its `backbone.config`. */
export interface MobileNetV2BackboneConfig {
  readonly kind: 'mobilenetv2';
  /** Channels of the last feature map, the width of the pooled feature (1280). */
  readonly features: number;
  /** Input pixels per feature-map cell (32). */
  readonly stride: number;
  /** The input the ImageNet weights were trained at (224). */
  readonly imageSize: number;
}

/** The outputs a MobileNetV2 answers; 'attention' is left out silently, the rest of VIT_OUTPUTS are refused. */
const ANSWERED = ['logits', 'cls', 'patchTokens', 'keys'] as const;

export class MobileNetV2Explainable implements ExplainableModel {
  readonly kind: BackboneKind = 'mobilenetv2';
  readonly hasAttention = false;
  readonly config: ExplainableConfig;

  private constructor(private readonly network: MobileNetV2Model) {
    this.config = Object.freeze({ patchSize: network.stride, dim: network.features, depth: network.blocks, heads: 1 });
  }

  /**
   * Wraps a MobileNetV2Model, which the adapter then owns (dispose() disposes it). The input must be a multiple
   * of the total stride in both directions, so that the feature grid is exactly rows / stride x cols / stride.
   */
  static wrap(network: MobileNetV2Model): MobileNetV2Explainable {
    const { stride } = network;
    for (const [side, what] of [[network.rows, 'rows'], [network.cols, 'cols']] as const) {
      ensure(side % stride === 0, `a multiple of the total stride ${stride}`, `the MobileNetV2 input ${what}`, side);
    }
    const grid = network.featureGrid;
    ensure(grid.rows === network.rows / stride && grid.cols === network.cols / stride, `a ${network.rows / stride} x ${network.cols / stride} feature grid`, 'the MobileNetV2 layout', `${grid.rows} x ${grid.cols}`);
    return new MobileNetV2Explainable(network);
  }

  /** Check the weights and the input size and build the adapter; no session is started yet. */
  static async create(stateDict: StateDict, options: MobileNetV2Options = {}): Promise<MobileNetV2Explainable> {
    const network = await MobileNetV2Model.create(stateDict, options);
    return MobileNetV2Explainable.wrap(network);
  }

  get rows(): number {
    return this.network.rows;
  }

  get cols(): number {
    return this.network.cols;
  }

  get classes(): number {
    return this.network.classes;
  }

  /** Feature-map cells per side: rows / stride and cols / stride. */
  get grid(): { rows: number; cols: number } {
    return { rows: this.rows / this.config.patchSize, cols: this.cols / this.config.patchSize };
  }

  /** What a head trained on this backbone records (`backbone.config` in head.json). */
  get backboneConfig(): MobileNetV2BackboneConfig {
    return { kind: 'mobilenetv2', features: this.config.dim, stride: this.config.patchSize, imageSize: MOBILENETV2_INPUT_SIZE };
  }

  /** The ViT output names mapped onto the CNN (see the file comment); default logits with a head, else cls. */
  async forward(pixels: Float32Array, batch: number, request?: readonly VitOutput[]): Promise<VitOutputs> {
    const wanted = [...new Set(request ?? [this.classes > 0 ? 'logits' : 'cls'])];
    for (const output of wanted) {
      ensureOneOf(output, 'a ViT output', VIT_OUTPUTS);
      if (output !== 'attention' && !(ANSWERED as readonly string[]).includes(output)) {
        throw invalid(`one of ${ANSWERED.join(', ')} (MobileNetV2 has no attention blocks, so no ${output})`, 'a MobileNetV2 output', output);
      }
    }
    const needs = new Set<MobileNetV2Output>();
    if (wanted.includes('logits')) needs.add('logits');
    if (wanted.includes('cls')) needs.add('pooled');
    if (wanted.includes('patchTokens') || wanted.includes('keys')) needs.add('featureMap');
    if (needs.size === 0) return {};
    const out = await this.network.forward(pixels, batch, [...needs]);
    const result: VitOutputs = {};
    if (out.logits) result.logits = out.logits;
    if (wanted.includes('cls')) result.cls = out.pooled!;
    if (wanted.includes('patchTokens')) result.patchTokens = tokenRows(out.featureMap!, batch, { channels: this.config.dim, cells: this.grid.rows * this.grid.cols, leadingZeroRow: false });
    if (wanted.includes('keys')) result.keys = centreRows(tokenRows(out.featureMap!, batch, { channels: this.config.dim, cells: this.grid.rows * this.grid.cols, leadingZeroRow: true }), batch, this.config.dim);
    return result;
  }

  inputGradient(pixels: Float32Array, batch: number, seed: Float32Array): Promise<{ logits: Float32Array; gradient: Float32Array }> {
    return this.network.inputGradient(pixels, batch, seed);
  }

  dispose(): Promise<void> {
    return this.network.dispose();
  }
}

/** Token rows [batch, 1 + cells, C] with each image's cell rows (not the leading CLS slot) minus their mean, in place. */
export function centreRows(rows: Float32Array, batch: number, channels: number): Float32Array {
  const perImage = rows.length / batch / channels;
  const mean = new Float64Array(channels);
  for (let b = 0; b < batch; b++) {
    const start = (b * perImage + 1) * channels;
    const end = (b + 1) * perImage * channels;
    mean.fill(0);
    for (let i = start; i < end; i++) mean[(i - start) % channels] += rows[i]!;
    for (let c = 0; c < channels; c++) mean[c] /= perImage - 1;
    for (let i = start; i < end; i++) rows[i] = rows[i]! - mean[(i - start) % channels]!;
  }
  return rows;
}

/**
 * A feature map [batch, C, cells] (channel-first) as token rows [batch, cells, C], with `leadingZeroRow` a
 * zero row first in each image ([batch, 1 + cells, C]: the CLS slot of the ViT keys layout, one head).
 */
export function tokenRows(featureMap: Float32Array, batch: number, layout: { channels: number; cells: number; leadingZeroRow: boolean }): Float32Array {
  const { channels, cells } = layout;
  const offset = layout.leadingZeroRow ? 1 : 0;
  const rowsPerImage = cells + offset;
  const out = new Float32Array(batch * rowsPerImage * channels);
  for (let b = 0; b < batch; b++) {
    const source = b * channels * cells;
    for (let c = 0; c < channels; c++) {
      const plane = source + c * cells;
      for (let n = 0; n < cells; n++) out[(b * rowsPerImage + offset + n) * channels + c] = featureMap[plane + n]!;
    }
  }
  return out;
}
