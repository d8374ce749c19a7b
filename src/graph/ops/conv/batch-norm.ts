/**
 * Batch normalisation of NCHW maps (Ioffe & Szegedy, "Batch Normalization", ICML 2015), as PyTorch's
 * nn.BatchNorm2d: in training mode with the batch's statistics (biased variance in the normalisation, the
 * statistics returned so the trainer can update the running ones), in inference mode with running
 * statistics (ONNX BatchNormalization), and folded into the preceding convolution (foldBatchNorm).
 */
import { SizeMismatchError, ensure, ensureNumber } from '../../../core/index.js';
import type { Dim, GraphBuilder, Value } from '../../builder.js';

export interface BatchNormOptions {
  /** Added to the variance; default 1e-5 (PyTorch's). */
  readonly epsilon?: number;
}

export interface BatchNormTrainingResult {
  readonly y: Value;
  /** The batch mean per channel [C]. */
  readonly mean: Value;
  /** The biased batch variance per channel [C] (PyTorch's running_var takes it times n / (n - 1)). */
  readonly variance: Value;
}

const AXES = [0, 2, 3];

function channelsOf(x: Value, params: readonly Value[], what: string): number {
  ensure(x.shape.length === 4 && typeof x.shape[1] === 'number', 'an input [batch, C, H, W]', what, x.shape.join('x'));
  const channels = x.shape[1] as number;
  for (const p of params) {
    if (p.shape.length !== 1 || p.shape[0] !== channels) throw new SizeMismatchError(`expected ${channels} values for ${p.name} of ${what} but received ${p.shape.join('x')}`);
  }
  return channels;
}

/**
 * Training mode: xhat = (x - mean) / sqrt(var + eps) over the batch and the map, y = scale xhat + bias.
 * Backward (the batch statistics depend on x): with gh = dY scale and means over (N, H, W),
 *   dX = invStd (gh - mean(gh) - xhat mean(gh xhat)),  dScale = sum(dY xhat),  dBias = sum(dY).
 */
export function batchNormTraining(g: GraphBuilder, x: Value, scale: Value, bias: Value, options: BatchNormOptions = {}): BatchNormTrainingResult {
  const channels = channelsOf(x, [scale, bias], 'BatchNorm');
  const epsilon = ensureNumber(options.epsilon ?? 1e-5, 'the BatchNorm epsilon', { min: 0 });
  const kept: Dim[] = [1, channels, 1, 1];
  const node = (op: string, inputs: Value[], shape: readonly Dim[] = x.shape, attributes?: Record<string, number | number[]>): Value =>
    g.node(op, inputs, [shape], attributes)[0]!;
  const channelMean = (value: Value): Value => node('ReduceMean', [value], kept, { axes: AXES, keepdims: 1 });
  const asColumn = (value: Value): Value => node('Reshape', [value, g.constantInt64([1, channels, 1, 1])], kept);
  const mean = channelMean(x);
  const centred = node('Sub', [x, mean]);
  const variance = channelMean(node('Mul', [centred, centred]));
  const invStd = node('Reciprocal', [node('Sqrt', [node('Add', [variance, g.constantFloat([epsilon], [])], kept)], kept)], kept);
  const xhat = node('Mul', [centred, invStd]);
  const y = node('Add', [node('Mul', [xhat, asColumn(scale)]), asColumn(bias)]);
  g.record('BatchNormTraining', [x, scale, bias], [y], (gb, [gy]) => {
    const sum = (value: Value): Value => gb.node('ReduceSum', [value, gb.constantInt64(AXES)], [[channels]], { keepdims: 0 })[0]!;
    const inputGradient = (): Value => {
      const scaled = node('Mul', [gy!, asColumn(scale)]);
      const centredGrad = node('Sub', [node('Sub', [scaled, channelMean(scaled)]), node('Mul', [xhat, channelMean(node('Mul', [scaled, xhat]))])]);
      return node('Mul', [centredGrad, invStd]);
    };
    return [
      x.requiresGrad ? inputGradient() : undefined,
      scale.requiresGrad ? sum(node('Mul', [gy!, xhat])) : undefined,
      bias.requiresGrad ? sum(gy!) : undefined,
    ];
  });
  const flat = (value: Value): Value => node('Reshape', [value, g.constantInt64([channels])], [channels]);
  return { y, mean: flat(mean), variance: flat(variance) };
}

export interface RunningStatistics {
  readonly mean: Value;
  readonly variance: Value;
}

/**
 * Inference mode with running statistics (never differentiated): y = scale (x - mean) / sqrt(var + eps) + bias.
 * Backward: dX = dY scale invStd; dScale = sum(dY xhat); dBias = sum(dY).
 */
export function batchNormInference(g: GraphBuilder, x: Value, scale: Value, bias: Value, running: RunningStatistics, options: BatchNormOptions = {}): Value {
  const channels = channelsOf(x, [scale, bias, running.mean, running.variance], 'BatchNorm');
  const epsilon = ensureNumber(options.epsilon ?? 1e-5, 'the BatchNorm epsilon', { min: 0 });
  const [y] = g.node('BatchNormalization', [x, scale, bias, running.mean, running.variance], [x.shape], { epsilon: { float: epsilon } });
  g.record('BatchNormInference', [x, scale, bias], [y!], (gb, [gy]) => {
    const kept: Dim[] = [1, channels, 1, 1];
    const node = (op: string, inputs: Value[], shape: readonly Dim[] = x.shape): Value => gb.node(op, inputs, [shape])[0]!;
    const asColumn = (value: Value): Value => node('Reshape', [value, gb.constantInt64([1, channels, 1, 1])], kept);
    const invStd = node('Reciprocal', [node('Sqrt', [node('Add', [asColumn(running.variance), gb.constantFloat([epsilon], [])], kept)], kept)], kept);
    const sum = (value: Value): Value => gb.node('ReduceSum', [value, gb.constantInt64(AXES)], [[channels]], { keepdims: 0 })[0]!;
    const xhat = (): Value => node('Mul', [node('Sub', [x, asColumn(running.mean)]), invStd]);
    return [
      x.requiresGrad ? node('Mul', [gy!, node('Mul', [asColumn(scale), invStd], kept)]) : undefined,
      scale.requiresGrad ? sum(node('Mul', [gy!, xhat()])) : undefined,
      bias.requiresGrad ? sum(gy!) : undefined,
    ];
  });
  return y!;
}

export interface BatchNormTensors {
  readonly scale: Float32Array;
  readonly bias: Float32Array;
  readonly mean: Float32Array;
  readonly variance: Float32Array;
  /** Default 1e-5. */
  readonly epsilon?: number;
}

/**
 * Fold inference-mode BatchNorm into the convolution before it: with f = scale / sqrt(var + eps) per output
 * channel, W' = f W and b' = f (b - mean) + bias. The folded convolution computes the same function.
 */
export function foldBatchNorm(weight: Float32Array, convBias: Float32Array | undefined, bn: BatchNormTensors): { weight: Float32Array; bias: Float32Array } {
  const channels = bn.scale.length;
  ensure([bn.bias, bn.mean, bn.variance].every((a) => a.length === channels), `${channels} values per statistic`, 'the BatchNorm to fold', bn.mean);
  ensure(weight.length % channels === 0, `a multiple of ${channels} values`, 'the convolution weight to fold into', weight);
  const epsilon = bn.epsilon ?? 1e-5;
  const perChannel = weight.length / channels;
  const folded = new Float32Array(weight.length);
  const bias = new Float32Array(channels);
  for (let c = 0; c < channels; c++) {
    const factor = bn.scale[c]! / Math.sqrt(bn.variance[c]! + epsilon);
    for (let k = 0; k < perChannel; k++) folded[c * perChannel + k] = weight[c * perChannel + k]! * factor;
    bias[c] = factor * ((convBias?.[c] ?? 0) - bn.mean[c]!) + bn.bias[c]!;
  }
  return { weight: folded, bias };
}
