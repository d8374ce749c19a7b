/**
 * Dataset items as backbone-sized images, shared by head training and fine-tuning: decoding (a patch's source
 * image decoded once per run of consecutive patches), the per-channel normalisation of the training part, and
 * the label arrays.
 */
import { createProgressTracker, type ImageTensor, type ProgressCallback } from '../../core/index.js';
import { ChannelStatsAccumulator, cropImage, readImage, resizeImage, type ChannelNormalisation, type DatasetItem } from '../../data/index.js';

/**
 * Decodes items at the backbone size. Patches of one image are consecutive, so the last decoded source
 * image is kept: each file is decoded once per pass, and nothing else stays in memory.
 */
export class ItemImageLoader {
  private lastPath = '';
  private lastImage: Promise<ImageTensor> | null = null;

  constructor(private readonly inputSize: number) {}

  async load(item: DatasetItem): Promise<ImageTensor> {
    if (item.imagePath !== this.lastPath || !this.lastImage) {
      this.lastPath = item.imagePath;
      this.lastImage = readImage(item.imagePath);
    }
    const source = await this.lastImage;
    const region = item.crop ? cropImage(source, item.crop) : source;
    return resizeImage(region, this.inputSize, this.inputSize);
  }
}

/** Per-channel mean and standard deviation over the items (the training part only: no leak from validation). */
export async function computeNormalisation(items: readonly DatasetItem[], loader: ItemImageLoader, onProgress?: ProgressCallback): Promise<ChannelNormalisation> {
  const accumulator = new ChannelStatsAccumulator();
  const progress = createProgressTracker('normalisation', items.length, onProgress);
  for (const item of items) {
    accumulator.add(await loader.load(item));
    progress.advance();
  }
  return accumulator.result();
}

/** The items' labels, repeated `copies` times (augmented copies of a training part). */
export function labelsOf(items: readonly DatasetItem[], copies = 1): Int32Array {
  const labels = new Int32Array(items.length * copies);
  for (let copy = 0; copy < copies; copy++) items.forEach((item, i) => (labels[copy * items.length + i] = item.label));
  return labels;
}
