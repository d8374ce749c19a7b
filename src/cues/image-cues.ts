/**
 * Label-free localisation cues of one image, each a plane of the image's size where larger means "more
 * likely lesion" (issue 14: "find and measure what says where the lesion is"). They cost milliseconds and
 * are fused with the classifier's token maps by `fuseCues`:
 *  - `centrePrior`: -(y^2 + x^2) in [-1, 1] coordinates from the centre (where the lesion usually is);
 *  - `darkness`: the smoothed negative grey level (hypoechoic ultrasound lesions, naevi, nuclei);
 *  - `colourContrast`: log p(colour | centre) - log p(colour | border), colours quantised to 8 levels per
 *    channel, centre r^2 < 0.25, border r^2 > 0.7 (the lesion's colour against the surrounding tissue);
 *  - `smoothness`: the negative local standard deviation of the grey level (a homogeneous echo texture);
 *  - `haematoxylin`: the haematoxylin optical density of an H&E stain (Ruifrok and Johnston's colour
 *    deconvolution, the stain vectors of scikit-image's `rgb2hed`): nuclei.
 * `valid` marks the pixels that take part (not in a dark frame around the view); statistics skip the others.
 */
import { ensureImage, type ImageTensor } from '../core/index.js';
import { darkBorderRegions, toGrayscale } from '../postprocess/index.js';
import { boxBlur } from './blur.js';

/** Pixels outside the dark regions touching the border (all pixels for threshold 0). */
export function validPixels(image: ImageTensor, darkBorderThreshold: number): Uint8Array {
  const valid = new Uint8Array(image.rows * image.cols).fill(1);
  if (!(darkBorderThreshold > 0)) return valid;
  const dark = darkBorderRegions(toGrayscale(image), { threshold: darkBorderThreshold });
  for (let i = 0; i < valid.length; i++) if (dark.data[i]) valid[i] = 0;
  return valid;
}

/** A smoothing radius proportional to the image: `fraction` (default 1/80) of the longer side, at least one pixel unless the fraction is 0. */
export function cueRadius(rows: number, cols: number, fraction = 1 / 80): number {
  return fraction > 0 ? Math.max(1, Math.round(Math.max(rows, cols) * fraction)) : 0;
}

function radiusSquared(rows: number, cols: number, r: number, c: number): number {
  const [y, x] = [(2 * (r + 0.5)) / rows - 1, (2 * (c + 0.5)) / cols - 1];
  return y * y + x * x;
}

export function centrePrior(rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[r * cols + c] = -radiusSquared(rows, cols, r, c);
  return out;
}

export function darkness(image: ImageTensor, radius = cueRadius(image.rows, image.cols)): Float32Array {
  ensureImage(image);
  const gray = toGrayscale(image).data;
  return boxBlur(gray.map((v) => -v), image.rows, image.cols, radius);
}

export function smoothness(image: ImageTensor, radius = cueRadius(image.rows, image.cols, 1 / 40)): Float32Array {
  ensureImage(image);
  const { rows, cols } = image;
  const gray = toGrayscale(image).data;
  const mean = boxBlur(gray, rows, cols, radius, 1);
  const meanSquare = boxBlur(gray.map((v) => v * v), rows, cols, radius, 1);
  return mean.map((m, i) => -Math.sqrt(Math.max(0, meanSquare[i]! - m * m)));
}

const LEVELS = 8;

export function colourContrast(image: ImageTensor, options: { valid?: Uint8Array; radius?: number } = {}): Float32Array {
  ensureImage(image);
  const { rows, cols, channels, data } = image;
  const plane = rows * cols;
  const bins = LEVELS ** Math.min(channels, 3);
  const [centre, border] = [new Float64Array(bins).fill(0.5), new Float64Array(bins).fill(0.5)];
  const binOf = new Int32Array(plane);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) {
    const i = r * cols + c;
    let bin = 0;
    for (let k = 0; k < Math.min(channels, 3); k++) bin = bin * LEVELS + Math.min(LEVELS - 1, Math.max(0, Math.floor(data[k * plane + i]! * LEVELS)));
    binOf[i] = bin;
    if (options.valid && !options.valid[i]) continue;
    const r2 = radiusSquared(rows, cols, r, c);
    if (r2 < 0.25) centre[bin]!++;
    else if (r2 > 0.7) border[bin]!++;
  }
  const [centreTotal, borderTotal] = [centre.reduce((a, b) => a + b, 0), border.reduce((a, b) => a + b, 0)];
  const ratio = Float32Array.from(binOf, (bin) => Math.log(centre[bin]! / centreTotal) - Math.log(border[bin]! / borderTotal));
  return boxBlur(ratio, rows, cols, options.radius ?? cueRadius(rows, cols));
}

/** Ruifrok and Johnston (Anal. Quant. Cytol. Histol. 23, 2001) stain vectors, rows H, E, DAB (scikit-image rgb_from_hed). */
const RGB_FROM_HED = [[0.65, 0.7, 0.29], [0.07, 0.99, 0.11], [0.27, 0.57, 0.78]] as const;

function invert3(m: readonly (readonly number[])[]): number[][] {
  const [a, b, c] = m as [number[], number[], number[]];
  const det = a[0]! * (b[1]! * c[2]! - b[2]! * c[1]!) - a[1]! * (b[0]! * c[2]! - b[2]! * c[0]!) + a[2]! * (b[0]! * c[1]! - b[1]! * c[0]!);
  const cof = (r1: number[], r2: number[], i: number, j: number): number => r1[i]! * r2[j]! - r1[j]! * r2[i]!;
  return [
    [cof(b, c, 1, 2), -cof(a, c, 1, 2), cof(a, b, 1, 2)],
    [-cof(b, c, 0, 2), cof(a, c, 0, 2), -cof(a, b, 0, 2)],
    [cof(b, c, 0, 1), -cof(a, c, 0, 1), cof(a, b, 0, 1)],
  ].map((row) => row.map((v) => v / det));
}

/** Haematoxylin concentration per pixel: optical density -log(max(I, 1e-6)) times the inverse stain matrix's H column. */
export function haematoxylin(image: ImageTensor, radius = 0): Float32Array {
  ensureImage(image);
  const plane = image.rows * image.cols;
  if (image.channels < 3) return darkness(image, radius);
  const hedFromRgb = invert3(RGB_FROM_HED);
  const out = new Float32Array(plane);
  const logFloor = Math.log(1e-6);
  for (let i = 0; i < plane; i++) {
    let h = 0;
    for (let k = 0; k < 3; k++) h += (Math.log(Math.max(image.data[k * plane + i]!, 1e-6)) / logFloor) * hedFromRgb[k]![0]!;
    out[i] = h;
  }
  return radius > 0 ? boxBlur(out, image.rows, image.cols, radius) : out;
}
