/**
 * Dataset items as MICRA-Net training samples: each image read (grey replicated to three channels),
 * cropped when the item is a patch, resized to S x S (Lanczos, values in [0, 1]) and packed into one
 * [count, C, S, S] array, with multi-hot targets over the network's outputs (micraNetOutputsFor: one
 * sigmoid per class, or per non-background class when the dataset's first class is 'background').
 */
import { ensure, ensureInteger, type ImageTensor, type ProgressCallback, createProgressTracker } from '../../../core/index.js';
import { cropImage, readImage, type DatasetItem } from '../../../data/index.js';
import { micraNetInput } from './segment.js';
import type { MicraNetSamples } from './train.js';

/**
 * The network's outputs for a dataset's classes. Patch datasets (first class 'background': Kvasir-SEG,
 * MoNuSeg) get one output per lesion class, so a background patch is all zeros and only lesion classes are
 * segmented, as MICRA-Net's binary tasks do; other datasets get one output per class (multi-label, one-hot).
 */
export function micraNetOutputsFor(classes: readonly string[]): { classNames: string[]; targetOf: (label: number) => number | undefined } {
  if (classes[0] === 'background' && classes.length > 1) return { classNames: classes.slice(1), targetOf: (label) => (label === 0 ? undefined : label - 1) };
  return { classNames: [...classes], targetOf: (label) => label };
}

export interface MicraNetSampleOptions {
  /** Network outputs. */
  readonly classes: number;
  /** Output index an item's label sets to 1 (none: all zeros); default the label itself. */
  readonly targetOf?: (label: number) => number | undefined;
  readonly inputSize: number;
  /** Default 3. */
  readonly inputChannels?: number;
  readonly onProgress?: ProgressCallback;
}

export async function micraNetSamplesFromItems(items: readonly DatasetItem[], options: MicraNetSampleOptions): Promise<MicraNetSamples> {
  ensure(items.length > 0, 'at least one item', 'the MICRA-Net samples', items);
  const classes = ensureInteger(options.classes, 'the MICRA-Net classes', { min: 1 });
  const config = { inputSize: options.inputSize, inputChannels: options.inputChannels ?? 3 };
  const imageSize = config.inputChannels * config.inputSize * config.inputSize;
  const pixels = new Float32Array(items.length * imageSize);
  const targets = new Float32Array(items.length * classes);
  const progress = createProgressTracker('micranet-samples', items.length, options.onProgress);
  let last: { path: string; image: ImageTensor } | undefined;
  for (const [k, item] of items.entries()) {
    const target = options.targetOf ? options.targetOf(item.label) : item.label;
    if (target !== undefined) targets[k * classes + ensureInteger(target, `the MICRA-Net target of ${item.id}`, { min: 0, max: classes - 1 })] = 1;
    // Patches of one frame are adjacent in dataset order: decode each frame once.
    if (last?.path !== item.imagePath) last = { path: item.imagePath, image: await readImage(item.imagePath) };
    const image = last.image;
    pixels.set(await micraNetInput(item.crop ? cropImage(image, item.crop) : image, config), k * imageSize);
    progress.advance();
  }
  return { pixels, targets, count: items.length };
}
