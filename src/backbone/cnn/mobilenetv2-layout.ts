/**
 * Which convolutions make up a MobileNetV2 (Sandler et al., "MobileNetV2: Inverted Residuals and Linear
 * Bottlenecks", CVPR 2018) in a folded-BatchNorm tensor set named `conv_I_weight` / `conv_I_bias` (OIHW),
 * and the check of a state dict against a layout: every missing, mis-shaped or mis-chained tensor at once.
 * Channels, kernels and groups are read from the weights (depthwise when a weight has one input channel
 * per group); the layout says only the order, the strides and where the residual adds are.
 */
import { WeightsError } from '../../core/index.js';
import type { StateDict } from '../state-dict.js';

/** An inverted-residual block: 1x1 expand (ReLU6), 3x3 depthwise (ReLU6) with the block's stride, 1x1 project (linear). */
export interface InvertedResidual {
  readonly convs: readonly [expand: number, depthwise: number, project: number];
  readonly stride: 1 | 2;
  /** Add the block's input to its output (same channels, stride 1). */
  readonly residual: boolean;
}

export interface MobileNetV2Layout {
  /** conv s2 (ReLU6), depthwise (ReLU6), 1x1 project (linear). */
  readonly stem: readonly [first: number, depthwise: number, project: number];
  readonly blocks: readonly InvertedResidual[];
  /** The last 1x1 conv (ReLU6) whose map is the feature map. */
  readonly last: number;
}

const block = (convs: readonly [number, number, number], stride: 1 | 2, residual = false): InvertedResidual => ({ convs, stride, residual });

/** The ONNX Model Zoo mobilenetv2-7 numbering (../shared/weights/mobilenetv2-imagenet/SOURCE.md). */
export const MOBILENETV2_IMAGENET_LAYOUT: MobileNetV2Layout = Object.freeze({
  stem: [0, 2, 4] as const,
  blocks: [
    block([5, 7, 9], 2), block([10, 12, 14], 1, true),
    block([16, 18, 20], 2), block([21, 23, 25], 1, true), block([27, 29, 31], 1, true),
    block([33, 35, 37], 2), block([38, 40, 42], 1, true), block([44, 46, 48], 1, true), block([50, 52, 54], 1, true),
    block([56, 58, 60], 1), block([61, 63, 65], 1, true), block([67, 69, 71], 1, true),
    block([73, 75, 77], 2), block([78, 80, 82], 1, true), block([84, 86, 88], 1, true),
    block([90, 92, 94], 1),
  ],
  last: 95,
});

/** One convolution of the network in order, with what the graph needs to build it. */
export interface ConvStep {
  readonly index: number;
  readonly stride: number;
  readonly activation: 'relu6' | 'linear';
}

export function convSteps(layout: MobileNetV2Layout): ConvStep[] {
  const [first, stemDepthwise, stemProject] = layout.stem;
  const steps: ConvStep[] = [
    { index: first, stride: 2, activation: 'relu6' },
    { index: stemDepthwise, stride: 1, activation: 'relu6' },
    { index: stemProject, stride: 1, activation: 'linear' },
  ];
  for (const { convs, stride } of layout.blocks) {
    steps.push({ index: convs[0], stride: 1, activation: 'relu6' }, { index: convs[1], stride, activation: 'relu6' }, { index: convs[2], stride: 1, activation: 'linear' });
  }
  steps.push({ index: layout.last, stride: 1, activation: 'relu6' });
  return steps;
}

export const convWeightName = (index: number): string => `conv_${index}_weight`;
export const convBiasName = (index: number): string => `conv_${index}_bias`;

/**
 * Check the tensors against the layout; returns the feature channels (the last conv's outputs). Throws one
 * WeightsError listing every problem.
 */
export function checkMobileNetV2Weights(stateDict: StateDict, layout: MobileNetV2Layout, source = 'the MobileNetV2 weights'): number {
  const problems: string[] = [];
  let channels = 3;
  const outputsAt = new Map<number, number>();
  for (const step of convSteps(layout)) {
    const weight = stateDict.get(convWeightName(step.index));
    const bias = stateDict.get(convBiasName(step.index));
    if (!weight) problems.push(`missing tensor ${convWeightName(step.index)}`);
    if (!bias) problems.push(`missing tensor ${convBiasName(step.index)}`);
    if (!weight) continue;
    const [out, perGroup, kRows, kCols] = weight.shape as number[];
    if (weight.shape.length !== 4 || channels % perGroup! !== 0 || (perGroup !== channels && perGroup !== 1) || kRows! % 2 !== 1 || kCols! % 2 !== 1) {
      problems.push(`expected [out, ${channels} or 1, k, k] with k odd for ${convWeightName(step.index)} but received ${weight.shape.join('x')}`);
    } else if (perGroup === 1 && channels !== 1 && out !== channels) {
      problems.push(`expected a depthwise ${channels}x1x${kRows}x${kCols} for ${convWeightName(step.index)} but received ${weight.shape.join('x')}`);
    }
    if (bias && (bias.shape.length !== 1 || bias.shape[0] !== out)) problems.push(`expected ${out} for ${convBiasName(step.index)} but received ${bias.shape.join('x')}`);
    channels = out!;
    outputsAt.set(step.index, out!);
  }
  layout.blocks.forEach((b, k) => {
    const input = k === 0 ? outputsAt.get(layout.stem[2]) : outputsAt.get(layout.blocks[k - 1]!.convs[2]);
    if (b.residual && (b.stride !== 1 || input !== outputsAt.get(b.convs[2]))) {
      problems.push(`expected stride 1 and equal input and output channels for the residual block [${b.convs.join(', ')}] but received stride ${b.stride}, ${input} -> ${outputsAt.get(b.convs[2])}`);
    }
  });
  if (problems.length > 0) throw new WeightsError(source, problems);
  return channels;
}

/** Tensors of a loaded folder that the layout does not use (the Model Zoo's classifier bias `gemm_104_bias`). */
export function unusedMobileNetV2Tensors(stateDict: StateDict, layout: MobileNetV2Layout): string[] {
  const used = new Set(convSteps(layout).flatMap((step) => [convWeightName(step.index), convBiasName(step.index)]));
  return [...stateDict.keys()].filter((name) => !used.has(name)).sort();
}
