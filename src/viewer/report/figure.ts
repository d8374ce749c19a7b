/**
 * Pictures of the report's Figure-2 grid, composed in memory and embedded as PNG data URIs: the image,
 * the image with its ground truth, and the image with each run's mask (red) and the ground-truth outline
 * (green), all scaled to a thumbnail.
 */
import {
  createImageTensor, resizeImageBilinear, resizeMaskNearest, type ImageTensor, type Mask,
} from '../../core/index.js';
import { encodeRgbPng, pngDataUri, readImage, readMask } from '../../data/index.js';

const RED: readonly [number, number, number] = [0.92, 0.2, 0.2];
const GREEN: readonly [number, number, number] = [0, 0.82, 0.35];

/** The image scaled so that its longer side is at most `side` pixels (never enlarged). */
export function fitImage(image: ImageTensor, side: number): ImageTensor {
  const scale = Math.min(1, side / Math.max(image.rows, image.cols));
  if (scale === 1) return image;
  return resizeImageBilinear(image, Math.max(1, Math.round(image.rows * scale)), Math.max(1, Math.round(image.cols * scale)));
}

function fitMask(mask: Mask, grid: { rows: number; cols: number }): Mask {
  return mask.rows === grid.rows && mask.cols === grid.cols ? mask : resizeMaskNearest(mask, grid.rows, grid.cols);
}

function rgb(image: ImageTensor): ImageTensor {
  if (image.channels === 3) return { ...image, data: image.data.slice() };
  const plane = image.rows * image.cols;
  const out = createImageTensor(3, image.rows, image.cols);
  for (let c = 0; c < 3; c++) out.data.set(image.data.subarray(0, plane), c * plane);
  return out;
}

/** Blends `colour` over the pixels where `where(p)` holds, with weight `alpha`. */
function paint(image: ImageTensor, where: (p: number) => boolean, colour: readonly number[], alpha: number): void {
  const plane = image.rows * image.cols;
  for (let p = 0; p < plane; p++) {
    if (!where(p)) continue;
    for (let c = 0; c < 3; c++) image.data[c * plane + p] = (1 - alpha) * image.data[c * plane + p]! + alpha * colour[c]!;
  }
}

/** Foreground pixels with a background 4-neighbour (or on the border): the mask's outline. */
export function maskOutline(mask: Mask): Uint8Array {
  const { rows, cols, data } = mask;
  const outline = new Uint8Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const p = r * cols + c;
      if (!data[p]) continue;
      const edge = r === 0 || c === 0 || r === rows - 1 || c === cols - 1 || !data[p - 1] || !data[p + 1] || !data[p - cols] || !data[p + cols];
      if (edge) outline[p] = 1;
    }
  }
  return outline;
}

/** The thumbnail with a mask tinted in and a ground-truth outline drawn over it (either may be absent). */
export function composeOverlay(base: ImageTensor, layers: { mask?: Mask; maskColour?: readonly number[]; outline?: Mask }): ImageTensor {
  const out = rgb(base);
  if (layers.mask) {
    const mask = fitMask(layers.mask, base);
    paint(out, (p) => mask.data[p] === 1, layers.maskColour ?? RED, 0.45);
  }
  if (layers.outline) {
    const outline = maskOutline(fitMask(layers.outline, base));
    paint(out, (p) => outline[p] === 1, GREEN, 1);
  }
  return out;
}

/** Reads what a figure row needs once: the base thumbnail and the ground truth (when known). */
export async function figureBase(imagePath: string | undefined, fallbackPath: string, side: number): Promise<ImageTensor> {
  try {
    return fitImage(await readImage(imagePath ?? fallbackPath), side);
  } catch {
    return fitImage(await readImage(fallbackPath), side);
  }
}

export async function readMaskOrUndefined(path: string | undefined): Promise<Mask | undefined> {
  if (!path) return undefined;
  return readMask(path).catch(() => undefined);
}

/** The composed picture as a data URI. */
export async function dataUri(image: ImageTensor): Promise<string> {
  return pngDataUri(await encodeRgbPng(image));
}

export const FIGURE_COLOURS = { mask: RED, truth: GREEN } as const;
