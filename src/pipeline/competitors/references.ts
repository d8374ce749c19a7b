/**
 * Trivial references every segmentation method must beat: a centred ellipse (the "shape prior" of a
 * dataset whose objects sit near the middle) and Otsu on raw intensity (no classifier at all). A method
 * that does not beat both has learnt nothing that the image statistics did not already give away.
 */
import {
  createMask, ensure, ensureImage, ensureInteger, ensureMask, ensureNumber, ensureOneOf,
  type ImageTensor, type Mask,
} from '../../core/index.js';
import { binarizeAtValue, thresholdOtsu, toGrayscale } from '../../postprocess/index.js';

/**
 * Default ellipse fraction: 0.15, the mean foreground fraction of the Kvasir-SEG masks (0.154 over the
 * 791 masks in shared/data; BUS-BRA 0.087, PH2 0.342). Kvasir-SEG is the paper's own dataset. For an
 * honest reference on another dataset, pass `fractionFromMasks(trainingMasks)`: the fraction must come
 * from the training split, never from the images being scored.
 */
export const DEFAULT_ELLIPSE_FRACTION = 0.15;

export type IntensityForeground = 'bright' | 'dark' | 'smaller';
export const INTENSITY_FOREGROUNDS: readonly IntensityForeground[] = ['bright', 'dark', 'smaller'];

/** Mean foreground fraction over masks (each mask weighs the same, whatever its size). */
export function fractionFromMasks(masks: readonly Mask[]): number {
  ensure(masks.length > 0, 'at least one mask', 'the masks to take the foreground fraction from', masks);
  let sum = 0;
  for (const [index, mask] of masks.entries()) {
    ensureMask(mask, `mask ${index}`);
    let foreground = 0;
    for (let i = 0; i < mask.data.length; i++) if (mask.data[i] !== 0) foreground++;
    sum += foreground / mask.data.length;
  }
  return sum / masks.length;
}

/**
 * A centred ellipse whose axes are proportional to the image sides (a circle on a square image),
 * covering `fraction` of the pixels. Pixels are ranked by their normalised radius
 * ((x - cx) / (cols / 2))^2 + ((y - cy) / (rows / 2))^2 at pixel centres, and the round(fraction x pixels)
 * innermost are kept, together with any pixel at the same radius as the last one (so the mask stays
 * symmetric). Ranking instead of the analytic radius sqrt(4 f / pi) makes the pixel count right on small
 * grids and lets fractions above pi/4 fill in the corners. Fraction 0 gives an empty mask, 1 a full one.
 *
 * @example ellipsePrior(4, 4, { fraction: 0.25 }) // the 2x2 centre block
 */
export function ellipsePrior(rows: number, cols: number, options: { fraction?: number } = {}): Mask {
  ensureInteger(rows, 'the ellipse prior rows', { min: 1 });
  ensureInteger(cols, 'the ellipse prior cols', { min: 1 });
  const fraction = ensureNumber(options.fraction ?? DEFAULT_ELLIPSE_FRACTION, 'the ellipse prior fraction', { min: 0, max: 1 });
  const mask = createMask(rows, cols);
  const keep = Math.round(fraction * rows * cols);
  if (keep === 0) return mask;
  const radii = normalisedRadii(rows, cols);
  const cutoff = Float64Array.from(radii).sort()[keep - 1]!;
  for (let i = 0; i < radii.length; i++) mask.data[i] = radii[i]! <= cutoff ? 1 : 0;
  return mask;
}

/** Squared normalised distance of each pixel centre from the image centre; 1 on the inscribed ellipse. */
function normalisedRadii(rows: number, cols: number): Float64Array {
  const radii = new Float64Array(rows * cols);
  for (let y = 0; y < rows; y++) {
    const dy = (y + 0.5 - rows / 2) / (rows / 2);
    for (let x = 0; x < cols; x++) {
      const dx = (x + 0.5 - cols / 2) / (cols / 2);
      // Rounded so that mirror-image pixels tie exactly despite floating-point noise.
      radii[y * cols + x] = Math.round((dx * dx + dy * dy) * 1e12) / 1e12;
    }
  }
  return radii;
}

/**
 * Otsu on raw intensity: grayscale (BT.601 luma), Otsu's threshold (N. Otsu, IEEE TSMC 9(1), 1979), then
 * one side as foreground: 'bright' (> t), 'dark' (<= t), or 'smaller', the side with fewer pixels (objects
 * are usually smaller than their background, whatever their polarity; 'bright' on a tie).
 * A constant image has no contrast to split and gives an empty mask.
 *
 * @example otsuOnIntensity(ultrasound, { foreground: 'dark' }) // hypoechoic lesions are dark
 */
export function otsuOnIntensity(image: ImageTensor, options: { foreground?: IntensityForeground } = {}): Mask {
  ensureImage(image, 'the image for the Otsu reference');
  const side = ensureOneOf(options.foreground ?? 'smaller', 'the Otsu reference foreground', INTENSITY_FOREGROUNDS);
  const gray = toGrayscale(image);
  const threshold = thresholdOtsu(gray);
  const bright = binarizeAtValue(gray, threshold);
  let brightCount = 0;
  for (let i = 0; i < bright.data.length; i++) brightCount += bright.data[i]!;
  if (brightCount === 0) return createMask(image.rows, image.cols);
  const takeBright = side === 'bright' || (side === 'smaller' && 2 * brightCount <= bright.data.length);
  if (takeBright) return bright;
  for (let i = 0; i < bright.data.length; i++) bright.data[i] = 1 - bright.data[i]!;
  return bright;
}
