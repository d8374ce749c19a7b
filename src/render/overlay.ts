/**
 * Pictures for reports: colourised relevance maps, heatmaps blended over the image, masks tinted and
 * outlined over the image, and panels side by side. Everything returns a 3-channel ImageTensor in [0, 1];
 * PNG encoding is data/'s job.
 */
import {
  createImageTensor,
  ensure,
  ensureImage,
  ensureInteger,
  ensureMap,
  ensureMask,
  ensureNumber,
  ensureSameSize,
  resizeMapBilinear,
  type ImageTensor,
  type Mask,
  type ScalarMap,
} from '../core/index.js';
import { colormapFunction, type ColormapName } from './colormaps.js';


export type Rgb = readonly [number, number, number];

export interface ColorizeOptions {
  /** Values mapped to the two ends of the colormap (default [0, 1]; outside is clamped). */
  readonly range?: readonly [number, number];
}

/**
 * Colour a map with a colormap (Turbo: Mikhailov 2019, Google; jet: matplotlib's definition).
 * Example: colorizeMap(relevance, 'turbo') turns 0 into dark blue and 1 into dark red.
 */
export function colorizeMap(map: ScalarMap, colormap: ColormapName = 'turbo', options: ColorizeOptions = {}): ImageTensor {
  ensureMap(map, 'the map to colourise');
  const [low, high] = options.range ?? [0, 1];
  ensure(Number.isFinite(low) && Number.isFinite(high) && high > low, 'a finite range [low, high] with low < high', 'the colour range', `[${low}, ${high}]`);
  const colorOf = colormapFunction(colormap);
  const plane = map.rows * map.cols;
  const out = createImageTensor(3, map.rows, map.cols);
  const rgb = new Float32Array(3);
  for (let i = 0; i < plane; i++) {
    colorOf((map.data[i]! - low) / (high - low), rgb);
    out.data[i] = rgb[0]!;
    out.data[plane + i] = rgb[1]!;
    out.data[2 * plane + i] = rgb[2]!;
  }
  return out;
}

export interface BlendOptions extends ColorizeOptions {
  /** Weight of the heatmap: 0 shows only the image, 1 only the heatmap. Default 0.5. */
  readonly alpha?: number;
  readonly colormap?: ColormapName;
}

/** `(1 - alpha) * image + alpha * colormap(map)`, the map resized (bilinear) to the image when sizes differ. */
export function blendHeatmap(image: ImageTensor, map: ScalarMap, options: BlendOptions = {}): ImageTensor {
  const base = toRgb(image, 'the image under the heatmap');
  ensureMap(map, 'the heatmap');
  const alpha = ensureNumber(options.alpha ?? 0.5, 'the heatmap alpha', { min: 0, max: 1 });
  const sized = map.rows === base.rows && map.cols === base.cols ? map : resizeMapBilinear(map, base.rows, base.cols);
  const heat = colorizeMap(sized, options.colormap ?? 'turbo', { range: options.range });
  const out = createImageTensor(3, base.rows, base.cols);
  for (let i = 0; i < out.data.length; i++) out.data[i] = (1 - alpha) * base.data[i]! + alpha * heat.data[i]!;
  return out;
}

export interface OverlayMaskOptions {
  /** Tint and contour colour of the mask. Default green [0, 1, 0]. */
  readonly color?: Rgb;
  /** Weight of the tint inside the mask. Default 0.35. */
  readonly alpha?: number;
  /** Draw the mask's 1-pixel inner contour in full colour. Default true. */
  readonly contour?: boolean;
  /** A second mask (ground truth) drawn as a contour only, over everything else. */
  readonly groundTruth?: Mask;
  /** Contour colour of the ground truth. Default red [1, 0, 0]. */
  readonly groundTruthColor?: Rgb;
}

/**
 * Tint the mask's pixels (`(1 - alpha) * image + alpha * color`), then paint its contour, then the
 * ground truth's contour. The contour is the inner boundary: mask pixels with a 4-neighbour outside the
 * mask, where outside the picture counts as outside, so a mask touching the border is closed there.
 */
export function overlayMask(image: ImageTensor, mask: Mask, options: OverlayMaskOptions = {}): ImageTensor {
  const out = toRgb(image, 'the image under the mask');
  ensureMask(mask, 'the mask to overlay');
  ensureSameSize(out, mask, 'the mask to overlay');
  const color = ensureRgb(options.color ?? [0, 1, 0], 'the mask colour');
  const alpha = ensureNumber(options.alpha ?? 0.35, 'the mask alpha', { min: 0, max: 1 });
  const plane = out.rows * out.cols;
  for (let i = 0; i < plane; i++) {
    if (mask.data[i] === 0) continue;
    for (let c = 0; c < 3; c++) out.data[c * plane + i] = (1 - alpha) * out.data[c * plane + i]! + alpha * color[c];
  }
  if (options.contour ?? true) paintPixels(out, innerContour(mask), color);
  if (options.groundTruth) {
    ensureMask(options.groundTruth, 'the ground-truth mask');
    ensureSameSize(out, options.groundTruth, 'the ground-truth mask');
    paintPixels(out, innerContour(options.groundTruth), ensureRgb(options.groundTruthColor ?? [1, 0, 0], 'the ground-truth colour'));
  }
  return out;
}

/** Mask pixels with at least one 4-neighbour outside the mask (or outside the picture). */
export function innerContour(mask: Mask): Mask {
  ensureMask(mask, 'the mask');
  const { rows, cols, data } = mask;
  const out = { rows, cols, data: new Uint8Array(rows * cols) };
  for (let y = 0; y < rows; y++) {
    for (let x = 0; x < cols; x++) {
      const i = y * cols + x;
      if (data[i] === 0) continue;
      const edge = y === 0 || y === rows - 1 || x === 0 || x === cols - 1;
      out.data[i] = edge || data[i - cols] === 0 || data[i + cols] === 0 || data[i - 1] === 0 || data[i + 1] === 0 ? 1 : 0;
    }
  }
  return out;
}

export interface SideBySideOptions {
  /** Fill of the gaps and of the space below shorter panels, 0 (black) to 1 (white). Default 1. */
  readonly background?: number;
}

/** Panels left to right, top-aligned, `gap` columns apart; grayscale panels become RGB. */
export function sideBySide(images: readonly ImageTensor[], gap = 4, options: SideBySideOptions = {}): ImageTensor {
  ensure(Array.isArray(images) && images.length > 0, 'a non-empty array of images', 'the panels', images);
  ensureInteger(gap, 'the gap between panels', { min: 0 });
  const background = ensureNumber(options.background ?? 1, 'the background', { min: 0, max: 1 });
  const panels = images.map((image, k) => toRgb(image, `panel ${k}`));
  const rows = Math.max(...panels.map((p) => p.rows));
  const cols = panels.reduce((sum, p) => sum + p.cols, 0) + gap * (panels.length - 1);
  const out = createImageTensor(3, rows, cols);
  out.data.fill(background);
  let left = 0;
  for (const panel of panels) {
    copyPanel(panel, out, left);
    left += panel.cols + gap;
  }
  return out;
}

/** A copy with 3 channels: RGB as is, grayscale replicated. Other channel counts are refused. */
export function toRgb(image: ImageTensor, what = 'the image'): ImageTensor {
  ensureImage(image, what);
  ensure(image.channels === 1 || image.channels === 3, '1 or 3 channels', what, image.channels);
  const plane = image.rows * image.cols;
  const out = createImageTensor(3, image.rows, image.cols);
  for (let c = 0; c < 3; c++) {
    const source = image.channels === 1 ? 0 : c;
    out.data.set(image.data.subarray(source * plane, (source + 1) * plane), c * plane);
  }
  return out;
}

function copyPanel(panel: ImageTensor, out: ImageTensor, left: number): void {
  for (let c = 0; c < 3; c++) {
    for (let y = 0; y < panel.rows; y++) {
      const from = (c * panel.rows + y) * panel.cols;
      out.data.set(panel.data.subarray(from, from + panel.cols), (c * out.rows + y) * out.cols + left);
    }
  }
}

function paintPixels(image: ImageTensor, where: Mask, color: Rgb): void {
  const plane = image.rows * image.cols;
  for (let i = 0; i < plane; i++) {
    if (where.data[i] === 0) continue;
    for (let c = 0; c < 3; c++) image.data[c * plane + i] = color[c];
  }
}

function ensureRgb(color: unknown, what: string): Rgb {
  const ok = Array.isArray(color) && color.length === 3 && color.every((v) => typeof v === 'number' && v >= 0 && v <= 1);
  ensure(ok, 'three numbers in [0, 1]', what, color);
  return color as unknown as Rgb;
}
