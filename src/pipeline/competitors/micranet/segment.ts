/**
 * MICRA-Net's segmentation of one image (gradCAM.class_activation_map then segment_cam of the official
 * code): the image resized to S x S (values in [0, 1]), the classes predicted positive (sigmoid > 0.5) or
 * the ones asked for, per class one run for the eight layers' activations and gradients, per-layer Grad-CAM
 * (attribution/), foreground, principal component, sign, smoothing and 0.8 quantile (features/), and the
 * mask back at the original size (nearest).
 */
import type { MicraNetModel } from '../../../backbone/index.js';
import { createMask, createScalarMap, ensure, ensureImage, ensureInteger, resizeMaskNearest, type ImageTensor, type Mask, type ScalarMap } from '../../../core/index.js';
import { layerGradCams } from '../../../attribution/index.js';
import { resizeImage } from '../../../data/index.js';
import { blockMeanForeground, segmentLayerMaps, type LayerMapSegmentationOptions } from '../../../features/index.js';

export interface MicraNetSegmentOptions extends LayerMapSegmentationOptions {
  /**
   * 'positive' (default): the classes with sigmoid(logit) > 0.5, as the original; 'positive-or-top': those,
   * or the most probable class when none passes 0.5 (for data where every image holds the object, so that an
   * unsure network still segments, as ExplainSeg always does); or class indices, segmented whatever the prediction.
   */
  readonly classes?: MicraNetClassChoice;
}

export const MICRANET_CLASS_RULES = ['positive', 'positive-or-top'] as const;
export type MicraNetClassRule = (typeof MICRANET_CLASS_RULES)[number];
export type MicraNetClassChoice = MicraNetClassRule | readonly number[];

/** The classes a rule picks from the sigmoid probabilities. */
export function chooseMicraNetClasses(probabilities: Float32Array, choice: MicraNetClassChoice = 'positive'): number[] {
  if (typeof choice !== 'string') return choice.map((c) => ensureInteger(c, 'a MICRA-Net class index', { min: 0, max: probabilities.length - 1 }));
  const positive = [...probabilities.keys()].filter((c) => probabilities[c]! > 0.5);
  if (positive.length > 0 || choice === 'positive') return positive;
  return [probabilities.indexOf(Math.max(...probabilities))];
}

export interface MicraNetClassSegmentation {
  readonly index: number;
  readonly probability: number;
  /** The class mask at the original image size (empty when the class was skipped). */
  readonly mask: Mask;
  /** The smoothed, oriented component at S x S; absent when the class was skipped (no foreground pixel of the last map). */
  readonly map?: ScalarMap;
}

export interface MicraNetSegmentation {
  readonly probabilities: Float32Array;
  readonly classes: readonly MicraNetClassSegmentation[];
  /** Union of the class masks at the original size; empty when no class was segmented. */
  readonly mask: Mask;
}

/** The network's input for one image: resized to S x S, grey (channel mean) for a one-channel network. */
export async function micraNetInput(image: ImageTensor, config: { inputSize: number; inputChannels: number }): Promise<Float32Array> {
  ensureImage(image);
  const resized = await resizeImage(image, config.inputSize, config.inputSize);
  const plane = config.inputSize * config.inputSize;
  if (config.inputChannels === resized.channels) return resized.data;
  ensure(config.inputChannels === 1 || (config.inputChannels === 3 && resized.channels === 1), '1 or 3 network input channels', 'the MICRA-Net input', config.inputChannels);
  const out = new Float32Array(config.inputChannels * plane);
  for (let i = 0; i < plane; i++) {
    let sum = 0;
    for (let c = 0; c < resized.channels; c++) sum += resized.data[c * plane + i]!;
    for (let c = 0; c < config.inputChannels; c++) out[c * plane + i] = sum / resized.channels;
  }
  return out;
}

/**
 * @example const { mask, classes } = await segmentWithMicraNet(image, model) // mask: image.rows x image.cols
 */
export async function segmentWithMicraNet(image: ImageTensor, model: MicraNetModel, options: MicraNetSegmentOptions = {}): Promise<MicraNetSegmentation> {
  const { inputSize: size, inputChannels: channels, classes } = model.config;
  const pixels = await micraNetInput(image, model.config);
  const probabilities = (await model.forward(pixels, 1)).map((logit) => 1 / (1 + Math.exp(-logit)));
  const chosen = chooseMicraNetClasses(probabilities, options.classes);
  const plane = size * size;
  const grey = createScalarMap(size, size, Float32Array.from({ length: plane }, (_, i) => {
    let sum = 0;
    for (let c = 0; c < channels; c++) sum += pixels[c * plane + i]!;
    return sum / channels;
  }));
  const foreground = blockMeanForeground(grey);
  const results: MicraNetClassSegmentation[] = [];
  for (const index of chosen) {
    const seed = Float32Array.from({ length: classes }, (_, k) => (k === index ? 1 : 0));
    const { layers } = await model.gradCam(pixels, 1, seed);
    const segmented = segmentLayerMaps(layerGradCams(layers, size, size), foreground, options);
    const mask = segmented ? resizeMaskNearest(segmented.mask, image.rows, image.cols) : createMask(image.rows, image.cols);
    results.push({ index, probability: probabilities[index]!, mask, ...(segmented ? { map: segmented.map } : {}) });
  }
  const union = createMask(image.rows, image.cols);
  for (const { mask } of results) mask.data.forEach((v, i) => { if (v) union.data[i] = 1; });
  return { probabilities, classes: results, mask: union };
}

/** The competitor row for `compare` (the registry entry needs a trained model in its context; see index.ts). */
export async function runMicraNetCompetitor(image: ImageTensor, model: MicraNetModel, options: MicraNetSegmentOptions = {}): Promise<Record<string, Mask>> {
  return { micranet: (await segmentWithMicraNet(image, model, options)).mask };
}
