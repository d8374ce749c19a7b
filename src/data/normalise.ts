import { ensure, ensureImage, type ImageTensor } from '../core/index.js';
import type { ChannelNormalisation } from './batch.js';

/**
 * Accumulates per-channel mean and standard deviation over many images, one at a time, so that a
 * training split never has to sit in memory at once. Sums are kept in float64 (Chan et al.'s pairwise
 * merge is unnecessary at these counts: at most ~1e9 values, each in [0, 1]).
 */
export class ChannelStatsAccumulator {
  private readonly sums = [0, 0, 0];
  private readonly squares = [0, 0, 0];
  private count = 0;

  add(image: ImageTensor): void {
    ensureImage(image);
    ensure(image.channels === 3, '3 channels', 'an image for normalisation statistics', image.channels);
    const plane = image.rows * image.cols;
    for (let c = 0; c < 3; c++) {
      let sum = 0;
      let square = 0;
      for (let i = c * plane; i < (c + 1) * plane; i++) {
        const value = image.data[i]!;
        sum += value;
        square += value * value;
      }
      this.sums[c]! += sum;
      this.squares[c]! += square;
    }
    this.count += plane;
  }

  /**
   * Population mean and standard deviation per channel. A constant channel would give std 0 and divide
   * by zero later, so std is floored at 1e-6.
   */
  result(): ChannelNormalisation {
    ensure(this.count > 0, 'at least one image', 'the normalisation statistics', 'none');
    const mean = this.sums.map((sum) => sum / this.count);
    const std = this.squares.map((square, c) => Math.sqrt(Math.max(0, square / this.count - mean[c]! ** 2)));
    return { mean, std: std.map((value) => Math.max(value, 1e-6)) };
  }
}

/** Per-channel mean and std of a list of images (use on the training split only, at the backbone size). */
export function computeChannelNormalisation(images: Iterable<ImageTensor>): ChannelNormalisation {
  const accumulator = new ChannelStatsAccumulator();
  for (const image of images) accumulator.add(image);
  return accumulator.result();
}
