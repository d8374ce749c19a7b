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
 * `valid` marks the pixels that take part (not in a dark frame around the view: pipeline/student's
 * `validPixels`); statistics skip the others. The grey-level cues take the grey plane, so this stage imports
 * only core.
 */
import { ensureImage, ensureMap, type ImageTensor, type ScalarMap } from '../core/index.js';
import { boxBlur } from './blur.js';

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

/** From the image's grey level (postprocess's `toGrayscale`), so this stage needs no other stage. */
export function darkness(gray: ScalarMap, radius = cueRadius(gray.rows, gray.cols)): Float32Array {
  ensureMap(gray, 'the grey-level image');
  return boxBlur(gray.data.map((v) => -v), gray.rows, gray.cols, radius);
}

export function smoothness(grayMap: ScalarMap, radius = cueRadius(grayMap.rows, grayMap.cols, 1 / 40)): Float32Array {
  ensureMap(grayMap, 'the grey-level image');
  const { rows, cols } = grayMap;
  const gray = grayMap.data;
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
  if (image.channels < 3) {
    // A grey image has no stain to separate: the dark pixels are the stained ones.
    const dark = Float32Array.from(image.data.subarray(0, plane), (v) => -v);
    return radius > 0 ? boxBlur(dark, image.rows, image.cols, radius) : dark;
  }
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
