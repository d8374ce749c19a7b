/**
 * Images for fine-tuning: every item decoded once at the backbone size and kept in memory as 8-bit samples
 * (the sources are 8-bit files; 150 KB per 224 x 224 image), augmented afresh every epoch from the epoch's
 * generator, packed into normalised batches with their one-hot targets.
 */
import { createImageTensor, type ImageTensor, type ProgressTracker, type Rng } from '../../core/index.js';
import { augmentImage, imageToBatch, randomResizedCrop, type ChannelNormalisation, type DatasetItem } from '../../data/index.js';
import type { VitFinetuner } from '../../backbone/vit-finetuner.js';
import { oneHotTargets } from '../../graph/index.js';
import type { FinetuneRecipe } from './finetune-recipe.js';
import type { ItemImageLoader } from './item-images.js';

/** A normalised batch and its targets, as VitFinetuner takes them (with the frozen prefix's output when known). */
export interface ImageBatch {
  readonly pixels: Float32Array;
  readonly batch: number;
  readonly targets: Float32Array;
  readonly tokens?: Float32Array;
}

export class ImageBank {
  private constructor(
    private readonly samples: readonly Uint8Array[],
    readonly labels: Int32Array,
    readonly side: number,
    readonly classes: number,
  ) {}

  /** Decodes the items in order (consecutive patches share one decode), advancing `progress` per item. */
  static async load(items: readonly DatasetItem[], loader: ItemImageLoader, options: { side: number; classes: number; progress?: ProgressTracker }): Promise<ImageBank> {
    const samples: Uint8Array[] = [];
    for (const item of items) {
      const image = await loader.load(item);
      samples.push(Uint8Array.from(image.data, (value) => Math.round(Math.min(1, Math.max(0, value)) * 255)));
      options.progress?.advance();
    }
    return new ImageBank(samples, Int32Array.from(items, (item) => item.label), options.side, options.classes);
  }

  get size(): number {
    return this.samples.length;
  }

  /** Every image's 8-bit samples, [size, 3, side, side] in C order (for a benchmark's other side). */
  samplesBytes(): Uint8Array {
    const out = new Uint8Array(this.samples.reduce((sum, samples) => sum + samples.length, 0));
    let offset = 0;
    for (const samples of this.samples) {
      out.set(samples, offset);
      offset += samples.length;
    }
    return out;
  }

  image(index: number): ImageTensor {
    const samples = this.samples[index]!;
    return createImageTensor(3, this.side, this.side, Float32Array.from(samples, (value) => value / 255));
  }

  /** The images at `indices` as one batch; with `rng`, each augmented by the recipe first (in index order). */
  batch(indices: readonly number[], normalisation: ChannelNormalisation, augment?: { rng: Rng; recipe: FinetuneRecipe }): ImageBatch {
    const images = indices.map((index) => {
      const image = this.image(index);
      return augment ? augmentForFinetuning(image, augment.rng, augment.recipe) : image;
    });
    return { pixels: imageToBatch(images, normalisation), batch: indices.length, targets: oneHotTargets(indices.map((index) => this.labels[index]!), this.classes) };
  }
}

/** RandomResizedCrop, then flip, colour jitter and rotation (augmentImage), all drawn from `rng`. */
export function augmentForFinetuning(image: ImageTensor, rng: Rng, recipe: Pick<FinetuneRecipe, 'crop' | 'colour'>): ImageTensor {
  return augmentImage(randomResizedCrop(image, rng, recipe.crop), rng, recipe.colour);
}

/** Consecutive batches of `size` over `order` (the last one shorter). */
export function batchesOf(order: readonly number[], size: number): number[][] {
  const batches: number[][] = [];
  for (let start = 0; start < order.length; start += size) batches.push(order.slice(start, start + size));
  return batches;
}

/**
 * The frozen prefix's output of every image, for training without augmentation: the images never change, so
 * the frozen blocks run once per run instead of once per epoch. Computed in index order and fixed batches, so a
 * resumed run holds the same values bit for bit.
 */
export class TokenBank {
  private constructor(private readonly tokens: readonly Float32Array[], private readonly bank: ImageBank) {}

  static async compute(bank: ImageBank, trainer: VitFinetuner, options: { normalisation: ChannelNormalisation; batchSize: number; progress?: ProgressTracker }): Promise<TokenBank> {
    const tokens: Float32Array[] = [];
    for (const indices of batchesOf(Array.from({ length: bank.size }, (_, i) => i), options.batchSize)) {
      const batch = bank.batch(indices, options.normalisation);
      const hidden = await trainer.frozenTokens(batch.pixels, batch.batch);
      const size = hidden.length / batch.batch;
      for (let k = 0; k < batch.batch; k++) tokens.push(hidden.slice(k * size, (k + 1) * size));
      options.progress?.advance(batch.batch);
    }
    return new TokenBank(tokens, bank);
  }

  /** The images at `indices` as a batch of tokens (no pixels: the trainer starts at the first trained block). */
  batch(indices: readonly number[]): ImageBatch {
    const size = this.tokens[0]!.length;
    const tokens = new Float32Array(indices.length * size);
    indices.forEach((index, k) => tokens.set(this.tokens[index]!, k * size));
    return { pixels: new Float32Array(0), batch: indices.length, targets: oneHotTargets(indices.map((index) => this.bank.labels[index]!), this.bank.classes), tokens };
  }
}
