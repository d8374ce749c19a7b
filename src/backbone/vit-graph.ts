/**
 * The ViT forward graph in the DINO/timm layout (Dosovitskiy et al. 2021; Caron et al. 2021):
 * patch embedding, CLS token, position embeddings, pre-norm blocks (LayerNorm eps 1e-6, multi-head
 * self-attention with qkv laid out as (3, heads, headDim), GELU-erf MLP), final LayerNorm and an
 * optional linear head on the CLS token (or on the normed CLS of the last four blocks, as DINO's
 * linear evaluation). A 'dinov2' config (Oquab et al. 2023) adds LayerScale after the attention and the
 * MLP of every block and its register tokens after the CLS token (dinov2/tokens.ts). Every op is on the
 * builder's tape, so the input gradient can be appended.
 */
import { WeightsError, ensure } from '../core/index.js';
import {
  GraphBuilder, add, concat, gelu, layerNorm, linear, matMul, mul, patchConv, reshape, scale, select, slice, softmax, split, transpose,
  type Value,
} from '../graph/index.js';
import type { StateDict } from './state-dict.js';
import { backboneOf, headDim, registersOf, tokenCount, trainingGridSide, vitTensorShapes, type VitConfig } from './vit-config.js';
import { interpolatePosEmbed } from './pos-embed.js';
import { broadcastTokens, posEmbedInterpolation, posEmbedOverTokens, withoutRegisters } from './dinov2/tokens.js';

/** A frozen linear classifier on ViT features: weight [classes, featureDim] row-major, bias [classes]. */
export interface LinearHead {
  readonly weight: Float32Array;
  readonly bias: Float32Array;
  /** 'cls': the final normed CLS (D); 'clsLast4': normed CLS of the last 4 blocks concatenated (4D). */
  readonly features: 'cls' | 'clsLast4';
}

export interface VitGraph {
  readonly builder: GraphBuilder;
  readonly pixels: Value;
  readonly logits?: Value;
  readonly cls: Value;
  readonly clsLast4?: Value;
  readonly patchTokens: Value;
  /** The last block's attention, queries, keys and values, with CLS first and then the patches (registers left out). */
  readonly attention: Value;
  readonly queries: Value;
  readonly keys: Value;
  readonly values: Value;
  /**
   * The residual stream [batch, 1 + registers + patches, dim] entering each block: blockInputs[i] feeds block i and
   * blockInputs[depth] is the last block's output before the final norm. A fine-tuning run computes
   * blockInputs[depth - N] without gradients and trains the last N blocks from there (vit-finetune-graph.ts).
   */
  readonly blockInputs: readonly Value[];
}

/** Report every missing or mis-shaped tensor at once. Extra tensors (a pretraining head) are ignored. */
export function checkVitWeights(stateDict: StateDict, config: VitConfig): void {
  const problems: string[] = [];
  for (const [name, shape] of vitTensorShapes(config)) {
    const tensor = stateDict.get(name);
    if (!tensor) problems.push(`missing tensor ${name} (expected ${shape.join('x')})`);
    else if (tensor.shape.join('x') !== shape.join('x')) problems.push(`expected ${shape.join('x')} for ${name} but received ${tensor.shape.join('x')}`);
    else if (tensor.data.length !== shape.reduce((a, b) => a * b, 1)) problems.push(`${name} holds ${tensor.data.length} values, not ${shape.join('x')}`);
  }
  if (problems.length > 0) throw new WeightsError('the ViT state dict', problems);
}

/** Build the forward graph for inputs of rows x cols pixels (multiples of the patch size), symbolic batch. */
export function buildVitGraph(stateDict: StateDict, config: VitConfig, options: { rows: number; cols: number; head?: LinearHead }): VitGraph {
  const g = new GraphBuilder();
  const w = (name: string): Value => g.weight(name, stateDict.get(name)!.shape, stateDict.get(name)!.data);
  const grid = { rows: options.rows / config.patchSize, cols: options.cols / config.patchSize };
  const tokens = tokenCount(config, options);
  const pixels = g.input('pixels', ['batch', 3, options.rows, options.cols], { differentiable: true });
  let x = add(g, embedPatches(g, pixels, w, config, grid), positionEmbedding(g, stateDict, config, grid));
  const normedCls: Value[] = [];
  const blockInputs: Value[] = [x];
  let last: AttentionValues | undefined;
  for (let i = 0; i < config.depth; i++) {
    const block = transformerBlock(g, x, (name) => w(`blocks.${i}.${name}`), config);
    x = block.output;
    blockInputs.push(x);
    last = block.attention;
    if (i >= config.depth - 4) normedCls.push(layerNorm(g, select(g, x, 1, 0), w('norm.weight'), w('norm.bias'), config.layerNormEps));
  }
  const normed = layerNorm(g, x, w('norm.weight'), w('norm.bias'), config.layerNormEps);
  const cls = select(g, normed, 1, 0);
  const clsLast4 = config.depth >= 4 ? concat(g, normedCls, 1) : undefined;
  const patchTokens = slice(g, normed, 1, 1 + registersOf(config), tokens);
  const graph = { builder: g, pixels, cls, blockInputs, patchTokens, ...outputAttention(g, last!, registersOf(config)), ...(clsLast4 ? { clsLast4 } : {}) };
  if (!options.head) return graph;
  return { ...graph, logits: classify(g, graph, options.head, config) };
}

/** pos_embed as stored at the training grid, else resized (DINO's or DINOv2's rule) and laid over the registers. */
function positionEmbedding(g: GraphBuilder, stateDict: StateDict, config: VitConfig, grid: { rows: number; cols: number }): Value {
  const stored = stateDict.get('pos_embed')!;
  const side = trainingGridSide(config);
  const trainingGrid = grid.rows === side && grid.cols === side;
  const registers = registersOf(config);
  if (trainingGrid && registers === 0) return g.weight('pos_embed', stored.shape, stored.data);
  const resized = trainingGrid ? stored.data : interpolatePosEmbed(stored.data, config.dim, grid, posEmbedInterpolation(config));
  const tokens = 1 + registers + grid.rows * grid.cols;
  return g.weight('pos_embed.interpolated', [1, tokens, config.dim], posEmbedOverTokens(resized, config.dim, registers));
}

/** [CLS, registers (DINOv2), patches] tokens [batch, tokens, dim]; the CLS and register tokens get no gradient. */
function embedPatches(g: GraphBuilder, pixels: Value, w: (name: string) => Value, config: VitConfig, grid: { rows: number; cols: number }): Value {
  const patches = grid.rows * grid.cols;
  const conv = patchConv(g, pixels, w('patch_embed.proj.weight'), w('patch_embed.proj.bias'));
  const patchTokens = transpose(g, reshape(g, conv, ['batch', config.dim, patches]), [0, 2, 1]);
  const registers = registersOf(config) > 0 ? [broadcastTokens(g, w('register_tokens'), pixels)] : [];
  return concat(g, [broadcastTokens(g, w('cls_token'), pixels), ...registers, patchTokens], 1);
}

function outputAttention(g: GraphBuilder, values: AttentionValues, registers: number): AttentionValues {
  return {
    attention: withoutRegisters(g, withoutRegisters(g, values.attention, 2, registers), 3, registers),
    queries: withoutRegisters(g, values.queries, 2, registers),
    keys: withoutRegisters(g, values.keys, 2, registers),
    values: withoutRegisters(g, values.values, 2, registers),
  };
}

export interface AttentionValues {
  readonly attention: Value;
  readonly queries: Value;
  readonly keys: Value;
  readonly values: Value;
}

/**
 * One pre-norm block, x + attn(norm1(x)) then + mlp(norm2(.)), each branch scaled per channel by DINOv2's
 * LayerScale (`ls1.gamma`, `ls2.gamma`) in a 'dinov2' config; `w` resolves a tensor name within the block
 * (`norm1.weight`, ...) to a frozen weight or, when fine-tuning, a trainable parameter.
 */
export function transformerBlock(g: GraphBuilder, x: Value, w: (name: string) => Value, config: VitConfig): { output: Value; attention: AttentionValues } {
  const eps = config.layerNormEps;
  const layerScale = (branch: Value, name: string): Value => (backboneOf(config) === 'dinov2' ? mul(g, branch, w(name)) : branch);
  const attended = selfAttention(g, layerNorm(g, x, w('norm1.weight'), w('norm1.bias'), eps), w, config);
  const afterAttention = add(g, x, layerScale(linear(g, attended.output, w('attn.proj.weight'), w('attn.proj.bias')), 'ls1.gamma'));
  const hidden = gelu(g, linear(g, layerNorm(g, afterAttention, w('norm2.weight'), w('norm2.bias'), eps), w('mlp.fc1.weight'), w('mlp.fc1.bias')));
  const output = add(g, afterAttention, layerScale(linear(g, hidden, w('mlp.fc2.weight'), w('mlp.fc2.bias')), 'ls2.gamma'));
  return { output, attention: attended.values };
}

/**
 * timm's Attention: qkv = Linear(x) reshaped (B, T, 3, heads, hd); softmax(q k^T * hd^-0.5) v.
 * Splitting the 3D axis first, then one Transpose per operand, gives the same q, k, v without the
 * 5-D permute; k goes straight to (B, heads, hd, T) so the score MatMul needs no extra transpose.
 */
function selfAttention(g: GraphBuilder, x: Value, w: (name: string) => Value, config: VitConfig): { output: Value; values: AttentionValues } {
  const { dim, heads } = config;
  const hd = headDim(config);
  const tokens = x.shape[1] as number;
  const qkv = linear(g, x, w('attn.qkv.weight'), w('attn.qkv.bias'));
  const [q, k, v] = split(g, qkv, 2, [dim, dim, dim]).map((part) => reshape(g, part, ['batch', tokens, heads, hd]));
  const queries = transpose(g, q!, [0, 2, 1, 3]);
  const keysT = transpose(g, k!, [0, 2, 3, 1]);
  const values = transpose(g, v!, [0, 2, 1, 3]);
  const attention = softmax(g, matMul(g, scale(g, queries, hd ** -0.5), keysT), -1);
  const mixed = transpose(g, matMul(g, attention, values), [0, 2, 1, 3]);
  const keys = g.node('Transpose', [keysT], [['batch', heads, tokens, hd]], { perm: [0, 1, 3, 2] })[0]!;
  return { output: reshape(g, mixed, ['batch', tokens, dim]), values: { attention, queries, keys, values } };
}

function classify(g: GraphBuilder, graph: Omit<VitGraph, 'logits'>, head: LinearHead, config: VitConfig): Value {
  const features = head.features === 'cls' ? graph.cls : graph.clsLast4;
  ensure(features !== undefined, 'a ViT with at least 4 blocks', "the head's clsLast4 features", config.depth);
  const featureDim = features!.shape[1] as number;
  const classes = head.bias.length;
  ensure(classes > 0 && head.weight.length === classes * featureDim, `${classes} x ${featureDim} values`, 'the head weight', head.weight);
  return linear(g, features!, g.weight('head.weight', [classes, featureDim], head.weight), g.weight('head.bias', [classes], head.bias));
}
