import type { ImageTensor } from '../../core/index.js';

/**
 * The largest input image read without being asked: 40 megapixels (e.g. 7300 x 5500). The pipeline holds about
 * 70 bytes per input pixel (float maps, overlays, the CRF), so this is about 2.8 GB; a 10000 x 10000 image took
 * 6.9 GB and wrote an 84 MB map before the limit. Raise it with `maxPixels`, or downscale with `oversize`.
 */
export const DEFAULT_MAX_PIXELS = 40_000_000;

/** Below this many pixels on a side, an image is read with a warning: it is upsampled to the backbone input. */
export const MIN_IMAGE_SIDE = 8;

/** What to do with an image above the pixel limit: refuse it (ImageTooLargeError) or downscale it, with a warning. */
export const OVERSIZE_POLICIES = ['refuse', 'downscale'] as const;

export interface ImageSize {
  readonly rows: number;
  readonly cols: number;
}

export interface ReadImageOptions {
  /** Largest rows x cols accepted; default DEFAULT_MAX_PIXELS. */
  readonly maxPixels?: number;
  /** Above maxPixels: 'refuse' (default) throws ImageTooLargeError; 'downscale' keeps the aspect ratio. */
  readonly oversize?: (typeof OVERSIZE_POLICIES)[number];
  /** Called once per warning by `readImage` (readImageChecked returns them instead). */
  readonly onWarning?: (warning: string) => void;
}

export interface SizePolicy {
  readonly maxPixels: number;
  readonly refuse: boolean;
  /** The size to decode to, when the image is downscaled. */
  readonly resize?: ImageSize;
  readonly warnings: string[];
}

/** What the header's size means for the read: refuse, downscale (the largest size within the limit), warn. */
export function sizePolicy(size: ImageSize, options: { maxPixels?: number | undefined; oversize: 'refuse' | 'downscale' }): SizePolicy {
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS;
  const pixels = size.rows * size.cols;
  const warnings: string[] = [];
  if (Math.min(size.rows, size.cols) < MIN_IMAGE_SIDE) {
    warnings.push(`${size.cols} x ${size.rows} pixels is smaller than ${MIN_IMAGE_SIDE} on a side; it is upsampled to the backbone input, so its map and mask carry next to no detail`);
  }
  if (pixels <= maxPixels) return { maxPixels, refuse: false, warnings };
  if (options.oversize === 'refuse') return { maxPixels, refuse: true, warnings };
  const scale = Math.sqrt(maxPixels / pixels);
  const resize = { rows: Math.max(1, Math.floor(size.rows * scale)), cols: Math.max(1, Math.floor(size.cols * scale)) };
  warnings.push(`${size.cols} x ${size.rows} pixels is above the limit of ${maxPixels.toLocaleString('en-US')}; downscaled to ${resize.cols} x ${resize.rows}`);
  return { maxPixels, refuse: false, resize, warnings };
}

/**
 * Multiplies each colour by its pixel's alpha (compositing onto black), in place, so the colour a transparent
 * pixel hides is never fed to the classifier. Returns how many pixels were not fully opaque.
 */
export function compositeOntoBlack(image: ImageTensor, samples: ArrayLike<number>, layout: { channels: number; opaque: number }): number {
  const plane = image.rows * image.cols;
  const { channels, opaque } = layout;
  let transparent = 0;
  for (let i = 0; i < plane; i++) {
    const sample = samples[i * channels + channels - 1]!;
    if (sample >= opaque) continue;
    transparent++;
    const alpha = sample / opaque;
    for (let j = i; j < image.data.length; j += plane) image.data[j] = image.data[j]! * alpha;
  }
  return transparent;
}
