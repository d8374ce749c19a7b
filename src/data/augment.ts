import { createImageTensor, ensure, ensureImage, ensureNumber, type ImageTensor, type Rng } from '../core/index.js';

/** Strength of each augmentation; 0 switches one off. Factors are drawn uniformly in [1 - s, 1 + s]. */
export interface AugmentOptions {
  /** Probability of a horizontal flip. */
  flipProbability?: number;
  brightness?: number;
  contrast?: number;
  saturation?: number;
  /** Largest rotation either way, in degrees. */
  rotationDegrees?: number;
}

export const DEFAULT_AUGMENT: Readonly<Required<AugmentOptions>> = Object.freeze({
  flipProbability: 0.5, brightness: 0.2, contrast: 0.2, saturation: 0.2, rotationDegrees: 10,
});

const LUMA = [0.299, 0.587, 0.114];

function luma(image: ImageTensor, i: number, plane: number): number {
  return LUMA[0]! * image.data[i]! + LUMA[1]! * image.data[plane + i]! + LUMA[2]! * image.data[2 * plane + i]!;
}

export function flipHorizontal(image: ImageTensor): ImageTensor {
  const out = createImageTensor(image.channels, image.rows, image.cols);
  for (let row = 0; row < image.channels * image.rows; row++) {
    const base = row * image.cols;
    for (let x = 0; x < image.cols; x++) out.data[base + x] = image.data[base + image.cols - 1 - x]!;
  }
  return out;
}

/**
 * Colour jitter in the order and with the blend rules of torchvision's ColorJitter: brightness scales,
 * contrast blends with the mean grey level, saturation blends with each pixel's grey level; clamped to [0, 1].
 */
export function jitterColour(image: ImageTensor, factors: { brightness: number; contrast: number; saturation: number }): ImageTensor {
  ensure(image.channels === 3, '3 channels', 'the image to colour-jitter', image.channels);
  const plane = image.rows * image.cols;
  const out = createImageTensor(3, image.rows, image.cols, image.data.map((value) => Math.min(1, value * factors.brightness)));
  let meanGrey = 0;
  for (let i = 0; i < plane; i++) meanGrey += luma(out, i, plane);
  meanGrey /= plane;
  for (let i = 0; i < out.data.length; i++) out.data[i] = clampUnit(factors.contrast * out.data[i]! + (1 - factors.contrast) * meanGrey);
  for (let i = 0; i < plane; i++) {
    const grey = luma(out, i, plane);
    for (let c = 0; c < 3; c++) out.data[c * plane + i] = clampUnit(factors.saturation * out.data[c * plane + i]! + (1 - factors.saturation) * grey);
  }
  return out;
}

function clampUnit(value: number): number {
  return value < 0 ? 0 : value > 1 ? 1 : value;
}

/** Rotates counter-clockwise (positive degrees, as torchvision) about the centre with bilinear sampling; pixels from outside the image are 0 (torchvision's fill). */
export function rotateImage(image: ImageTensor, degrees: number): ImageTensor {
  const out = createImageTensor(image.channels, image.rows, image.cols);
  const angle = (degrees * Math.PI) / 180;
  const cos = Math.cos(angle);
  const sin = Math.sin(angle);
  const cy = (image.rows - 1) / 2;
  const cx = (image.cols - 1) / 2;
  const plane = image.rows * image.cols;
  for (let y = 0; y < image.rows; y++) {
    for (let x = 0; x < image.cols; x++) {
      const sx = cos * (x - cx) - sin * (y - cy) + cx;
      const sy = sin * (x - cx) + cos * (y - cy) + cy;
      for (let c = 0; c < image.channels; c++) out.data[c * plane + y * image.cols + x] = sampleBilinear(image, c, sy, sx);
    }
  }
  return out;
}

function sampleBilinear(image: ImageTensor, channel: number, sy: number, sx: number): number {
  const y0 = Math.floor(sy);
  const x0 = Math.floor(sx);
  const wy = sy - y0;
  const wx = sx - x0;
  const at = (y: number, x: number): number => (y < 0 || x < 0 || y >= image.rows || x >= image.cols ? 0 : image.data[(channel * image.rows + y) * image.cols + x]!);
  return (at(y0, x0) * (1 - wx) + at(y0, x0 + 1) * wx) * (1 - wy) + (at(y0 + 1, x0) * (1 - wx) + at(y0 + 1, x0 + 1) * wx) * wy;
}

/**
 * One random augmentation of a 3-channel image: flip, colour jitter, small rotation, each drawn from `rng`
 * so that the same seed gives the same training set (Krizhevsky et al. 2012; torchvision transforms).
 */
export function augmentImage(image: ImageTensor, rng: Rng, options: AugmentOptions = {}): ImageTensor {
  ensureImage(image);
  const settings = { ...DEFAULT_AUGMENT, ...options };
  ensureNumber(settings.flipProbability, 'the flip probability', { min: 0, max: 1 });
  for (const key of ['brightness', 'contrast', 'saturation'] as const) ensureNumber(settings[key], `the ${key} jitter`, { min: 0, max: 1 });
  ensureNumber(settings.rotationDegrees, 'the rotation range in degrees', { min: 0, max: 180 });
  const draw = (strength: number): number => 1 - strength + 2 * strength * rng.next();
  let out = rng.next() < settings.flipProbability ? flipHorizontal(image) : image;
  const factors = { brightness: draw(settings.brightness), contrast: draw(settings.contrast), saturation: draw(settings.saturation) };
  out = jitterColour(out, factors);
  const degrees = (2 * rng.next() - 1) * settings.rotationDegrees;
  return settings.rotationDegrees > 0 ? rotateImage(out, degrees) : out;
}

/** RandomResizedCrop's ranges: the crop's share of the image area and its aspect ratio (cols / rows). */
export interface ResizedCropOptions {
  /** Default [0.5, 1]: torchvision's 0.08 would often cut a lesion out of a patch labelled by its content. */
  readonly scale?: readonly [number, number];
  /** Default [3/4, 4/3], torchvision's. */
  readonly ratio?: readonly [number, number];
}

/**
 * A random rectangle of the image resampled back to its own size with bilinear sampling, as torchvision's
 * RandomResizedCrop (Szegedy et al., "Going deeper with convolutions", CVPR 2015): area share uniform in
 * `scale`, log aspect ratio uniform in `ratio`, up to 10 tries, then the whole image.
 */
export function randomResizedCrop(image: ImageTensor, rng: Rng, options: ResizedCropOptions = {}): ImageTensor {
  ensureImage(image);
  const [minScale, maxScale] = options.scale ?? [0.5, 1];
  const [minRatio, maxRatio] = options.ratio ?? [3 / 4, 4 / 3];
  ensureNumber(minScale, 'the smallest crop scale', { min: Number.MIN_VALUE, max: 1 });
  ensureNumber(maxScale, 'the largest crop scale', { min: minScale, max: 1 });
  ensureNumber(minRatio, 'the smallest crop aspect ratio', { min: Number.MIN_VALUE });
  ensureNumber(maxRatio, 'the largest crop aspect ratio', { min: minRatio });
  const area = image.rows * image.cols;
  for (let attempt = 0; attempt < 10; attempt++) {
    const target = area * (minScale + (maxScale - minScale) * rng.next());
    const aspect = Math.exp(Math.log(minRatio) + (Math.log(maxRatio) - Math.log(minRatio)) * rng.next());
    const cols = Math.round(Math.sqrt(target * aspect));
    const rows = Math.round(Math.sqrt(target / aspect));
    if (cols < 1 || rows < 1 || cols > image.cols || rows > image.rows) continue;
    const top = rng.int(image.rows - rows + 1);
    const left = rng.int(image.cols - cols + 1);
    return resampleRegion(image, { top, left, rows, cols });
  }
  return image;
}

/**
 * The region stretched to the image's size, bilinear with pixel centres aligned (align_corners = false) and
 * clamped to the region's border, as resizing the cropped region would.
 */
function resampleRegion(image: ImageTensor, region: { top: number; left: number; rows: number; cols: number }): ImageTensor {
  const out = createImageTensor(image.channels, image.rows, image.cols);
  const plane = image.rows * image.cols;
  const rowScale = region.rows / image.rows;
  const colScale = region.cols / image.cols;
  const clampTo = (value: number, low: number, high: number): number => Math.min(Math.max(value, low), high);
  for (let y = 0; y < image.rows; y++) {
    const sy = clampTo(region.top + (y + 0.5) * rowScale - 0.5, region.top, region.top + region.rows - 1);
    for (let x = 0; x < image.cols; x++) {
      const sx = clampTo(region.left + (x + 0.5) * colScale - 0.5, region.left, region.left + region.cols - 1);
      for (let c = 0; c < image.channels; c++) out.data[c * plane + y * image.cols + x] = sampleBilinear(image, c, sy, sx);
    }
  }
  return out;
}
