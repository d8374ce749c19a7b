/**
 * The student's and the teacher's token maps and the image cues as planes of one working-size image, fused
 * and cut into a mask (issue 14): only the cues of non-zero weight are computed; token maps are upsampled
 * bilinearly from the patch grid; the dark frame is left out of every statistic and of the mask.
 */
import { createMask, createScalarMap, ensureNumber, resizeMapBilinear, type ImageTensor, type Mask, type ScalarMap } from '../../core/index.js';
import { centrePrior, colourContrast, cueRadius, darkness, fuseCues, haematoxylin, smoothness, type CueName, type CueWeights, type CutRule } from '../../cues/index.js';
import { refineWithCrf } from '../method/index.js';
import type { StudentConfig } from './config.js';
import { darkBorderRegions, thresholdOtsu, toGrayscale } from '../../postprocess/index.js';

/**
 * Maps a model gives, by cue name: the student's and the teacher's on the patch grid, MaskCut's union mask at
 * any size ('objectness'); each is resized bilinearly to the working image. A weighted one that is absent is an error.
 */
export type TokenMaps = Partial<Record<Extract<CueName, 'student' | 'teacher' | 'objectness'>, ScalarMap>>;

export interface FusedCut {
  /** The fused map at the working size (standardised units). */
  readonly map: ScalarMap;
  readonly valid: Uint8Array;
  readonly maskBeforeCrf: Mask;
  readonly mask: Mask;
}

/** Pixels outside the dark regions touching the border (all pixels for threshold 0). */
export function validPixels(image: ImageTensor, darkBorderThreshold: number): Uint8Array {
  const valid = new Uint8Array(image.rows * image.cols).fill(1);
  if (!(darkBorderThreshold > 0)) return valid;
  const dark = darkBorderRegions(toGrayscale(image), { threshold: darkBorderThreshold });
  for (let i = 0; i < valid.length; i++) if (dark.data[i]) valid[i] = 0;
  return valid;
}

/**
 * The mask of `rows` x `cols` kept by `rule` from a fused map: above its Otsu threshold over the valid
 * pixels, or its top `rule` fraction of them. Invalid pixels (a dark frame) are never foreground.
 */
export function cutFused(map: Float32Array, shape: { rows: number; cols: number; valid?: Uint8Array }, rule: CutRule): Mask {
  const { rows, cols, valid } = shape;
  const values = valid ? map.filter((_, i) => valid[i]) : Float32Array.from(map);
  const mask = createMask(rows, cols);
  if (values.length === 0) return mask;
  let threshold: number;
  if (rule === 'otsu') threshold = thresholdOtsu(createScalarMap(1, values.length, values));
  else {
    ensureNumber(rule, 'the fraction of pixels kept', { min: 0, max: 1 });
    const sorted = values.sort();
    threshold = rule >= 1 ? -Infinity : sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * (1 - rule)))]!;
  }
  for (let i = 0; i < map.length; i++) mask.data[i] = (!valid || valid[i]) && map[i]! > threshold ? 1 : 0;
  return mask;
}

/** The planes the weights ask for, at the size of `image`. */
export function cuePlanes(image: ImageTensor, weights: CueWeights, context: { tokenMaps: TokenMaps; valid: Uint8Array; smoothing?: number }): Partial<Record<CueName, Float32Array>> {
  const radius = cueRadius(image.rows, image.cols, context.smoothing ?? 1 / 80);
  const wanted = (name: CueName): boolean => (weights[name] ?? 0) !== 0;
  const planes: Partial<Record<CueName, Float32Array>> = {};
  for (const name of ['student', 'teacher', 'objectness'] as const) {
    const map = context.tokenMaps[name];
    if (wanted(name) && map) planes[name] = resizeMapBilinear(map, image.rows, image.cols).data;
  }
  if (wanted('prior')) planes.prior = centrePrior(image.rows, image.cols);
  const gray = wanted('darkness') || wanted('smoothness') ? toGrayscale(image) : undefined;
  if (wanted('darkness')) planes.darkness = darkness(gray!, radius);
  if (wanted('haematoxylin')) planes.haematoxylin = haematoxylin(image, radius);
  if (wanted('smoothness')) planes.smoothness = smoothness(gray!);
  if (wanted('contrast')) planes.contrast = colourContrast(image, { valid: context.valid, radius });
  return planes;
}

/** Fuse the weighted cues of `image` and cut them by `cut`, then DenseCRF when enabled; never the dark frame. */
export function fuseAndCut(
  image: ImageTensor,
  context: { weights: CueWeights; cut: CutRule; tokenMaps: TokenMaps; config: Pick<StudentConfig, 'crf' | 'darkBorderThreshold' | 'cueSmoothing'> },
): FusedCut {
  const { config } = context;
  const valid = validPixels(image, config.darkBorderThreshold);
  const fused = fuseCues(cuePlanes(image, context.weights, { tokenMaps: context.tokenMaps, valid, smoothing: config.cueSmoothing }), context.weights, valid);
  const maskBeforeCrf = cutFused(fused, { rows: image.rows, cols: image.cols, valid }, context.cut);
  const mask = config.crf.enabled ? crfWithinValid(image, maskBeforeCrf, { valid, crf: config.crf }) : maskBeforeCrf;
  return { map: { rows: image.rows, cols: image.cols, data: fused }, valid, maskBeforeCrf, mask };
}

/** DenseCRF of a mask at the image's own size, then the invalid pixels (the dark frame) cleared again. */
export function crfWithinValid(image: ImageTensor, mask: Mask, context: { valid: Uint8Array; crf: StudentConfig['crf'] }): Mask {
  const refined = refineWithCrf(image, mask, { ...context.crf, maxSide: Math.max(image.rows, image.cols) });
  for (let i = 0; i < refined.data.length; i++) if (!context.valid[i]) refined.data[i] = 0;
  return refined;
}
