/**
 * MICRA-Net (Bilodeau et al., "Microscopy analysis neural network to solve detection, enumeration and
 * segmentation from image-level annotations", Nature Machine Intelligence 2022), as its official code
 * (FLClab/MICRA-Net, network.py): four blocks of [3x3 conv pad 1 with bias, BatchNorm, ReLU] x 2 (channels
 * 32,32 | 64,64 | 128,128 | 256,256), 2x2 max-pool after blocks 1-3, a global max-pool (kernel S / 8),
 * dropout 0.5 and Linear(256 -> classes). Tensor names are PyTorch's for that module (`conv1a.weight`,
 * `bnorm1a.running_mean`, `linear1.bias`), so a state dict reads the same in both.
 */
import { WeightsError, ensure, ensureInteger, ensureNumber, type Rng } from '../../core/index.js';
import type { NamedTensor, StateDict } from '../state-dict.js';

export interface MicraNetConfig {
  /** Input side S in pixels, a multiple of 8 (256 in the original). */
  readonly inputSize: number;
  /** Input channels (3 for RGB, 1 for the original's microscopy). */
  readonly inputChannels: number;
  readonly classes: number;
  /** Output channels of the four blocks. */
  readonly channels: readonly [number, number, number, number];
  /** Dropout before the linear layer (training only). */
  readonly dropout: number;
  /** PyTorch BatchNorm2d defaults. */
  readonly bnEpsilon: number;
  readonly bnMomentum: number;
}

export const MICRANET_DEFAULTS: Readonly<Omit<MicraNetConfig, 'classes'>> = Object.freeze({
  inputSize: 256, inputChannels: 3, channels: [32, 64, 128, 256] as const, dropout: 0.5, bnEpsilon: 1e-5, bnMomentum: 0.1,
});

/** The eight conv layers in order; Grad-CAM reads each one's ReLU output. */
export const MICRANET_LAYERS = ['1a', '1b', '2a', '2b', '3a', '3b', '4a', '4b'] as const;
export type MicraNetLayer = (typeof MICRANET_LAYERS)[number];

export function resolveMicraNetConfig(config: Partial<MicraNetConfig> & { classes: number }): MicraNetConfig {
  const resolved = { ...MICRANET_DEFAULTS, ...config };
  ensureInteger(resolved.inputSize, 'the MICRA-Net input size', { min: 8 });
  ensure(resolved.inputSize % 8 === 0, 'a multiple of 8', 'the MICRA-Net input size', resolved.inputSize);
  ensureInteger(resolved.inputChannels, 'the MICRA-Net input channels', { min: 1 });
  ensureInteger(resolved.classes, 'the MICRA-Net classes', { min: 1 });
  ensure(resolved.channels.length === 4, 'four block widths', 'the MICRA-Net channels', resolved.channels);
  resolved.channels.forEach((c) => ensureInteger(c, 'a MICRA-Net block width', { min: 1 }));
  ensureNumber(resolved.dropout, 'the MICRA-Net dropout', { min: 0, max: 0.99 });
  ensureNumber(resolved.bnEpsilon, 'the BatchNorm epsilon', { min: 0 });
  ensureNumber(resolved.bnMomentum, 'the BatchNorm momentum', { min: 0, max: 1 });
  return resolved;
}

/** Input and output channels of each conv layer. */
export function layerChannels(config: MicraNetConfig): { layer: MicraNetLayer; in: number; out: number }[] {
  const [c1, c2, c3, c4] = config.channels;
  const widths = [c1, c1, c2, c2, c3, c3, c4, c4];
  return MICRANET_LAYERS.map((layer, k) => ({ layer, in: k === 0 ? config.inputChannels : widths[k - 1]!, out: widths[k]! }));
}

/** Trainable tensors by name and shape, in PyTorch's parameter order. */
export function micraNetParameterShapes(config: MicraNetConfig): Map<string, number[]> {
  const shapes = new Map<string, number[]>();
  for (const { layer, in: inChannels, out } of layerChannels(config)) {
    shapes.set(`conv${layer}.weight`, [out, inChannels, 3, 3]).set(`conv${layer}.bias`, [out]);
    shapes.set(`bnorm${layer}.weight`, [out]).set(`bnorm${layer}.bias`, [out]);
  }
  return shapes.set('linear1.weight', [config.classes, config.channels[3]]).set('linear1.bias', [config.classes]);
}

/** BatchNorm running statistics by name and shape (buffers, not trained by gradient). */
export function micraNetBufferShapes(config: MicraNetConfig): Map<string, number[]> {
  const shapes = new Map<string, number[]>();
  for (const { layer, out } of layerChannels(config)) shapes.set(`bnorm${layer}.running_mean`, [out]).set(`bnorm${layer}.running_var`, [out]);
  return shapes;
}

export function countMicraNetParameters(config: MicraNetConfig): number {
  return [...micraNetParameterShapes(config).values()].reduce((sum, shape) => sum + shape.reduce((a, b) => a * b, 1), 0);
}

/**
 * PyTorch's default initialisation: conv and linear weights and biases uniform in +-1/sqrt(fan_in)
 * (kaiming_uniform with a = sqrt(5)), BatchNorm scale 1 and shift 0, running mean 0 and variance 1.
 */
export function initMicraNetStateDict(config: MicraNetConfig, rng: Rng): StateDict {
  const state: StateDict = new Map();
  const filled = (shape: number[], value: (i: number) => number): NamedTensor => ({ shape, data: Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => value(i)) });
  const uniform = (shape: number[], fanIn: number): NamedTensor => filled(shape, () => (2 * rng.next() - 1) / Math.sqrt(fanIn));
  for (const [name, shape] of micraNetParameterShapes(config)) {
    if (name.startsWith('bnorm')) state.set(name, filled(shape, () => (name.endsWith('.weight') ? 1 : 0)));
    else state.set(name, uniform(shape, fanInOf(name, config)));
  }
  for (const [name, shape] of micraNetBufferShapes(config)) state.set(name, filled(shape, () => (name.endsWith('running_var') ? 1 : 0)));
  return state;
}

function fanInOf(name: string, config: MicraNetConfig): number {
  if (name.startsWith('linear1')) return config.channels[3];
  const layer = layerChannels(config).find((l) => name.startsWith(`conv${l.layer}.`))!;
  return layer.in * 9;
}

/** Every missing or mis-shaped tensor at once (unused extra tensors, such as num_batches_tracked, are allowed). */
export function checkMicraNetStateDict(stateDict: StateDict, config: MicraNetConfig, source = 'the MICRA-Net weights'): void {
  const problems: string[] = [];
  for (const [name, shape] of [...micraNetParameterShapes(config), ...micraNetBufferShapes(config)]) {
    const tensor = stateDict.get(name);
    if (!tensor) problems.push(`missing tensor ${name} (expected ${shape.join('x')})`);
    else if (tensor.shape.join('x') !== shape.join('x')) problems.push(`expected ${shape.join('x')} for ${name} but received ${tensor.shape.join('x')}`);
  }
  if (problems.length > 0) throw new WeightsError(source, problems);
}
