/**
 * The MobileNetV2 feature extractor as an ONNX graph (BatchNorm folded into each conv's weight and bias):
 * stem, inverted-residual blocks, last 1x1 conv with ReLU6 (the feature map, 7x7 at 224), its global
 * average (the pooled feature) and, with a head, a linear layer on the pooled feature (the logits).
 * The pixels are a differentiable input so that one graph also serves the input gradient.
 */
import { ensure } from '../../core/index.js';
import { GraphBuilder, add, conv2d, globalAveragePool, linear, relu6, reshape, type Value } from '../../graph/index.js';
import type { StateDict } from '../state-dict.js';
import { convBiasName, convSteps, convWeightName, type ConvStep, type MobileNetV2Layout } from './mobilenetv2-layout.js';

/** A linear head on the pooled feature: weight [classes, features] (PyTorch layout), bias [classes]. */
export interface PooledHead {
  readonly weight: Float32Array;
  readonly bias: Float32Array;
}

export interface MobileNetV2Graph {
  readonly builder: GraphBuilder;
  readonly pixels: Value;
  /** [batch, features, rows / 32, cols / 32] after the last conv and ReLU6. */
  readonly featureMap: Value;
  /** [batch, features]: the feature map's global average. */
  readonly pooled: Value;
  /** [batch, classes]; present with a head. */
  readonly logits?: Value;
}

export function buildMobileNetV2Graph(stateDict: StateDict, layout: MobileNetV2Layout, options: { rows: number; cols: number; head?: PooledHead }): MobileNetV2Graph {
  const g = new GraphBuilder();
  const pixels = g.input('pixels', ['batch', 3, options.rows, options.cols], { differentiable: true });
  const steps = new Map(convSteps(layout).map((step) => [step.index, step]));
  const apply = (x: Value, index: number): Value => convLayer(g, stateDict, x, steps.get(index)!);
  let x = layout.stem.reduce(apply, pixels);
  for (const block of layout.blocks) {
    const h = block.convs.reduce(apply, x);
    x = block.residual ? add(g, x, h) : h;
  }
  const featureMap = apply(x, layout.last);
  const features = featureMap.shape[1] as number;
  const pooled = reshape(g, globalAveragePool(g, featureMap), ['batch', features]);
  const logits = options.head ? classify(g, pooled, options.head) : undefined;
  return { builder: g, pixels, featureMap, pooled, ...(logits ? { logits } : {}) };
}

function convLayer(g: GraphBuilder, stateDict: StateDict, x: Value, step: ConvStep): Value {
  const weight = stateDict.get(convWeightName(step.index))!;
  const bias = stateDict.get(convBiasName(step.index))!;
  const channels = x.shape[1] as number;
  const [, perGroup, kernel] = weight.shape as [number, number, number];
  const y = conv2d(g, x, g.weight(convWeightName(step.index), weight.shape, weight.data), g.weight(convBiasName(step.index), bias.shape, bias.data), {
    stride: step.stride, padding: (kernel - 1) / 2, groups: channels / perGroup,
  });
  return step.activation === 'relu6' ? relu6(g, y) : y;
}

function classify(g: GraphBuilder, pooled: Value, head: PooledHead): Value {
  const features = pooled.shape[1] as number;
  const classes = head.bias.length;
  ensure(classes > 0 && head.weight.length === classes * features, `${classes} x ${features} values`, 'the head weight', head.weight);
  return linear(g, pooled, g.weight('head.weight', [classes, features], head.weight), g.weight('head.bias', [classes], head.bias));
}
