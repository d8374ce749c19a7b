/**
 * Dataset items as MICRA-Net training samples: each image read (grey replicated to three channels),
 * cropped when the item is a patch, resized to S x S (Lanczos, values in [0, 1]) and packed into one
 * [count, C, S, S] array, with one-hot targets over the dataset's classes (one sigmoid output per class).
 */
import { ensure, ensureInteger, type ProgressCallback, createProgressTracker } from '../../../core/index.js';
import { cropImage, readImage, type DatasetItem } from '../../../data/index.js';
import { micraNetInput } from './segment.js';
import type { MicraNetSamples } from './train.js';

export interface MicraNetSampleOptions {
  readonly classes: number;
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
  for (const [k, item] of items.entries()) {
    ensureInteger(item.label, `the label of ${item.id}`, { min: 0, max: classes - 1 });
    const image = await readImage(item.imagePath);
    pixels.set(await micraNetInput(item.crop ? cropImage(image, item.crop) : image, config), k * imageSize);
    targets[k * classes + item.label] = 1;
    progress.advance();
  }
  return { pixels, targets, count: items.length };
}
