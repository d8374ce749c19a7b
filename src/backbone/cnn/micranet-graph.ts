/**
 * The MICRA-Net graph in its two modes, as PyTorch's module in train() and eval():
 * - 'train': BatchNorm on the batch's statistics (returned, for the running ones), dropout with a keep mask
 *   fed as the input `dropout_mask` [batch, C4];
 * - 'eval': BatchNorm on the running statistics, no dropout; the pixels are differentiable, so gradients
 *   of the logits reach every conv layer's activation (Grad-CAM) and the input.
 * Tensors are frozen weights when a state dict is given, else graph inputs: the trainable ones as
 * parameters (GraphBuilder `parameter`, fed at every run), the running statistics as plain inputs.
 */
import {
  GraphBuilder, batchNormInference, batchNormTraining, conv2d, dropout, globalMaxPool, linear, maxPool, relu, reshape, type Value,
} from '../../graph/index.js';
import type { StateDict } from '../state-dict.js';
import { layerChannels, micraNetBufferShapes, micraNetParameterShapes, type MicraNetConfig, type MicraNetLayer } from './micranet-config.js';

export interface MicraNetGraphOptions {
  readonly mode: 'train' | 'eval';
  /** Frozen tensors (initialisers); without them every tensor is a graph input. */
  readonly weights?: StateDict;
}

export interface BatchStatistics {
  readonly layer: MicraNetLayer;
  readonly mean: Value;
  readonly variance: Value;
}

export interface MicraNetGraph {
  readonly builder: GraphBuilder;
  /** [batch, inputChannels, S, S], values in [0, 1]. */
  readonly pixels: Value;
  /** [batch, classes]; the sigmoid is outside the network. */
  readonly logits: Value;
  /** Each conv layer's ReLU output, before pooling, in MICRANET_LAYERS order. */
  readonly activations: readonly Value[];
  /** The trainable graph inputs by name (empty with frozen weights). */
  readonly parameters: ReadonlyMap<string, Value>;
  /** Per layer, the batch mean and biased variance ('train' mode only). */
  readonly batchStatistics: readonly BatchStatistics[];
  /** The keep mask input [batch, C4] ('train' mode with dropout > 0). */
  readonly dropoutMask?: Value;
}

export function buildMicraNetGraph(config: MicraNetConfig, options: MicraNetGraphOptions): MicraNetGraph {
  const g = new GraphBuilder();
  const training = options.mode === 'train';
  const parameters = new Map<string, Value>();
  const shapes = new Map([...micraNetParameterShapes(config), ...micraNetBufferShapes(config)]);
  const tensor = (name: string): Value => {
    const shape = shapes.get(name)!;
    const frozen = options.weights?.get(name);
    if (frozen) return g.weight(name, shape, frozen.data);
    if (name.includes('running_')) return g.input(name, shape);
    const value = g.parameter(name, shape);
    parameters.set(name, value);
    return value;
  };
  const size = config.inputSize;
  const pixels = g.input('pixels', ['batch', config.inputChannels, size, size], { differentiable: !training });
  const activations: Value[] = [];
  const batchStatistics: BatchStatistics[] = [];
  let x = pixels;
  for (const { layer } of layerChannels(config)) {
    const conv = conv2d(g, x, tensor(`conv${layer}.weight`), tensor(`conv${layer}.bias`), { padding: 1 });
    const [scale, shift] = [tensor(`bnorm${layer}.weight`), tensor(`bnorm${layer}.bias`)];
    let normed: Value;
    if (training) {
      const result = batchNormTraining(g, conv, scale, shift, { epsilon: config.bnEpsilon });
      batchStatistics.push({ layer, mean: result.mean, variance: result.variance });
      normed = result.y;
    } else {
      const running = { mean: tensor(`bnorm${layer}.running_mean`), variance: tensor(`bnorm${layer}.running_var`) };
      normed = batchNormInference(g, conv, scale, shift, running, { epsilon: config.bnEpsilon });
    }
    x = relu(g, normed);
    activations.push(x);
    if (layer.endsWith('b') && layer !== '4b') x = maxPool(g, x);
  }
  const pooled = reshape(g, globalMaxPool(g, x), ['batch', config.channels[3]]);
  const dropoutMask = training && config.dropout > 0 ? g.input('dropout_mask', ['batch', config.channels[3]]) : undefined;
  const dropped = dropout(g, pooled, { rate: config.dropout, ...(dropoutMask ? { mask: dropoutMask } : {}) });
  const logits = linear(g, dropped, tensor('linear1.weight'), tensor('linear1.bias'));
  return { builder: g, pixels, logits, activations, parameters, batchStatistics, ...(dropoutMask ? { dropoutMask } : {}) };
}
