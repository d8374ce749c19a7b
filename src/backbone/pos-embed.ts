/**
 * Position embeddings for input sizes other than the training size, done once at graph build time the
 * way DINO's and DINOv2's `interpolate_pos_encoding` do it (Caron et al. 2021, vision_transformer.py;
 * Oquab et al. 2023, dinov2/models/vision_transformer.py): the patch grid of embeddings is resized
 * bicubically with align_corners=False. With an offset (DINO, dinov2_vits14: 0.1) PyTorch is given the
 * scale factor (newSide + offset) / oldSide and places the source samples with it; without one
 * (dinov2_vits14_reg4) it is given the output size. Plain bicubic is Keys' cubic convolution ("Cubic
 * convolution interpolation for digital image processing", 1981) with a = -0.75 as PyTorch; the
 * antialiased variant (DINOv2 with registers) is PyTorch's separable filter with a = -0.5, widened by
 * the downscale factor and normalised per output sample (the PIL convention).
 */
import { ensure, ensureInteger } from '../core/index.js';

const CUBIC_A = -0.75;
const ANTIALIAS_A = -0.5;

/** How a position-embedding grid is resized; DINO's (and dinov2_vits14's) rule is the default. */
export interface PosEmbedInterpolation {
  /** Added to the new side before dividing by the old one, to give PyTorch a scale factor; 0: give the size. */
  readonly offset: number;
  readonly antialias: boolean;
}

export const DINO_INTERPOLATION: PosEmbedInterpolation = Object.freeze({ offset: 0.1, antialias: false });

function cubic(x: number, a: number): number {
  const d = Math.abs(x);
  if (d < 1) return ((a + 2) * d - (a + 3)) * d * d + 1;
  if (d < 2) return ((a * d - 5 * a) * d + 8 * a) * d - 4 * a;
  return 0;
}

/** Keys' cubic convolution weights for the four taps around a sample at fractional offset t in [0, 1). */
export function cubicWeights(t: number): [number, number, number, number] {
  return [cubic(t + 1, CUBIC_A), cubic(t, CUBIC_A), cubic(1 - t, CUBIC_A), cubic(2 - t, CUBIC_A)];
}

interface AxisTaps {
  readonly taps: number; // taps per output position
  readonly index: Int32Array; // `taps` clamped source indices per output position
  readonly weight: Float64Array; // `taps` weights per output position
}

/** Source taps along one axis, as PyTorch's upsample_bicubic2d; `scale` is input samples per output sample. */
function cubicTaps(inSize: number, outSize: number, scale: number): AxisTaps {
  const index = new Int32Array(outSize * 4);
  const weight = new Float64Array(outSize * 4);
  for (let o = 0; o < outSize; o++) {
    const real = (o + 0.5) * scale - 0.5;
    const base = Math.min(Math.floor(real), inSize - 1);
    const t = Math.min(Math.max(real - base, 0), 1);
    const w = cubicWeights(t);
    for (let k = 0; k < 4; k++) {
      index[o * 4 + k] = Math.min(Math.max(base - 1 + k, 0), inSize - 1);
      weight[o * 4 + k] = w[k]!;
    }
  }
  return { taps: 4, index, weight };
}

/**
 * Source taps along one axis, as PyTorch's _upsample_bicubic2d_aa: the filter's support (2 samples) is
 * stretched by the scale when shrinking, the window is cut at the borders (no clamping) and its weights
 * are normalised to sum to 1. Unused taps get weight 0 on index 0.
 */
function antialiasTaps(inSize: number, outSize: number, scale: number): AxisTaps {
  const support = scale >= 1 ? 2 * scale : 2;
  const stretch = scale >= 1 ? 1 / scale : 1;
  const taps = Math.ceil(support) * 2 + 1;
  const index = new Int32Array(outSize * taps);
  const weight = new Float64Array(outSize * taps);
  for (let o = 0; o < outSize; o++) {
    const center = scale * (o + 0.5);
    const first = Math.max(Math.trunc(center - support + 0.5), 0);
    const count = Math.min(Math.trunc(center + support + 0.5), inSize) - first;
    let total = 0;
    for (let k = 0; k < count; k++) total += cubic((first + k - center + 0.5) * stretch, ANTIALIAS_A);
    for (let k = 0; k < count; k++) {
      index[o * taps + k] = first + k;
      weight[o * taps + k] = total === 0 ? 0 : cubic((first + k - center + 0.5) * stretch, ANTIALIAS_A) / total;
    }
  }
  return { taps, index, weight };
}

function axisTaps(inSize: number, outSize: number, interpolation: PosEmbedInterpolation): AxisTaps {
  // PyTorch takes a given scale factor s as 1 / s input samples per output sample, a given size as in / out.
  const scale = interpolation.offset ? inSize / (outSize + interpolation.offset) : inSize / outSize;
  return interpolation.antialias ? antialiasTaps(inSize, outSize, scale) : cubicTaps(inSize, outSize, scale);
}

/**
 * Resize position embeddings [1 + side*side, dim] (CLS first, grid row-major) to a rows x cols patch grid,
 * returning [1 + rows*cols, dim]. The CLS embedding is kept; a square grid of the training size is
 * returned unchanged (a copy), as DINO and DINOv2 do.
 */
export function interpolatePosEmbed(
  posEmbed: Float32Array, dim: number, grid: { rows: number; cols: number }, interpolation: PosEmbedInterpolation = DINO_INTERPOLATION,
): Float32Array {
  ensureInteger(grid.rows, 'the patch grid rows', { min: 1 });
  ensureInteger(grid.cols, 'the patch grid cols', { min: 1 });
  const positions = posEmbed.length / dim - 1;
  const side = Math.round(Math.sqrt(positions));
  ensure(side * side === positions && positions > 0, 'a square grid of position embeddings plus CLS', 'pos_embed', `${positions + 1} positions`);
  if (grid.rows === side && grid.cols === side) return posEmbed.slice();
  const rowTaps = axisTaps(side, grid.rows, interpolation);
  const colTaps = axisTaps(side, grid.cols, interpolation);
  const out = new Float32Array((1 + grid.rows * grid.cols) * dim);
  out.set(posEmbed.subarray(0, dim));
  const acc = new Float64Array(dim);
  for (let r = 0; r < grid.rows; r++) {
    for (let c = 0; c < grid.cols; c++) {
      acc.fill(0);
      for (let i = 0; i < rowTaps.taps; i++) {
        for (let j = 0; j < colTaps.taps; j++) {
          const w = rowTaps.weight[r * rowTaps.taps + i]! * colTaps.weight[c * colTaps.taps + j]!;
          if (w === 0) continue;
          const source = (1 + rowTaps.index[r * rowTaps.taps + i]! * side + colTaps.index[c * colTaps.taps + j]!) * dim;
          for (let d = 0; d < dim; d++) acc[d] += w * posEmbed[source + d]!;
        }
      }
      out.set(acc, (1 + r * grid.cols + c) * dim);
    }
  }
  return out;
}
