/**
 * MICRA-Net's training augmentation (FLClab/MICRA-Net loader.py), each with probability p (0.5, its
 * `data_aug`): left-right flip, up-down flip, intensity scaling by clip(lognormal(0.01, sqrt(0.01)), 0, 1)
 * and gamma clip(lognormal(0.005, sqrt(0.005)), 0, 1), the image clipped to [0, 1] after each. (The
 * official Actin loader computes the augmented crop but returns the original one; here it is applied.)
 * Works in place on one channel-first image inside a batch array, values in [0, 1].
 */
import { ensureNumber, type Rng } from '../../../core/index.js';

export interface MicraNetAugmentOptions {
  /** Probability of each of the four augmentations; default 0.5, 0 switches them off. */
  readonly probability?: number;
}

/** exp(mu + sigma z), clipped to [0, 1] as the original does (so the factors only darken and brighten mid-tones). */
function lognormalFactor(rng: Rng, mu: number, variance: number): number {
  return Math.min(1, Math.max(0, Math.exp(mu + Math.sqrt(variance) * rng.normal())));
}

export function augmentMicraNetImage(pixels: Float32Array, shape: { channels: number; rows: number; cols: number }, rng: Rng, options: MicraNetAugmentOptions = {}): void {
  const p = ensureNumber(options.probability ?? 0.5, 'the augmentation probability', { min: 0, max: 1 });
  const { channels, rows, cols } = shape;
  if (rng.next() < p) flip(pixels, channels, rows, cols, 'left-right');
  if (rng.next() < p) flip(pixels, channels, rows, cols, 'up-down');
  if (rng.next() < p) {
    const factor = lognormalFactor(rng, 0.01, 0.01);
    for (let i = 0; i < pixels.length; i++) pixels[i] = Math.min(1, Math.max(0, pixels[i]! * factor));
  }
  if (rng.next() < p) {
    const gamma = lognormalFactor(rng, 0.005, 0.005);
    for (let i = 0; i < pixels.length; i++) pixels[i] = Math.min(1, Math.max(0, Math.max(0, pixels[i]!) ** gamma));
  }
}

function flip(pixels: Float32Array, channels: number, rows: number, cols: number, axis: 'left-right' | 'up-down'): void {
  for (let c = 0; c < channels; c++) {
    const base = c * rows * cols;
    if (axis === 'left-right') {
      for (let y = 0; y < rows; y++) pixels.subarray(base + y * cols, base + (y + 1) * cols).reverse();
    } else {
      for (let y = 0; y < rows / 2; y++) {
        const top = pixels.slice(base + y * cols, base + (y + 1) * cols);
        const bottom = base + (rows - 1 - y) * cols;
        pixels.copyWithin(base + y * cols, bottom, bottom + cols);
        pixels.set(top, bottom);
      }
    }
  }
}
