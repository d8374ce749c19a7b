/**
 * Position embeddings for input sizes other than the training size, done once at graph build time the
 * way DINO's `interpolate_pos_encoding` does it (Caron et al. 2021, vision_transformer.py): the patch grid
 * of embeddings is resized bicubically (Keys, "Cubic convolution interpolation for digital image
 * processing", 1981, with a = -0.75 as PyTorch) with align_corners=False and DINO's scale factor
 * (newSide + 0.1) / oldSide, which PyTorch uses as given to place the source samples.
 */
import { ensure, ensureInteger } from '../core/index.js';

const CUBIC_A = -0.75;

/** Keys' cubic convolution weights for the four taps around a sample at fractional offset t in [0, 1). */
export function cubicWeights(t: number): [number, number, number, number] {
  const near = (x: number): number => ((CUBIC_A + 2) * x - (CUBIC_A + 3)) * x * x + 1;
  const far = (x: number): number => ((CUBIC_A * x - 5 * CUBIC_A) * x + 8 * CUBIC_A) * x - 4 * CUBIC_A;
  return [far(t + 1), near(t), near(1 - t), far(2 - t)];
}

interface AxisTaps {
  readonly index: Int32Array; // 4 clamped source indices per output position
  readonly weight: Float64Array; // 4 weights per output position
}

/** Source taps along one axis, as PyTorch's upsample_bicubic2d with a given scale factor. */
function axisTaps(inSize: number, outSize: number, scaleFactor: number): AxisTaps {
  const index = new Int32Array(outSize * 4);
  const weight = new Float64Array(outSize * 4);
  for (let o = 0; o < outSize; o++) {
    const real = (o + 0.5) / scaleFactor - 0.5;
    const base = Math.min(Math.floor(real), inSize - 1);
    const t = Math.min(Math.max(real - base, 0), 1);
    const w = cubicWeights(t);
    for (let k = 0; k < 4; k++) {
      index[o * 4 + k] = Math.min(Math.max(base - 1 + k, 0), inSize - 1);
      weight[o * 4 + k] = w[k]!;
    }
  }
  return { index, weight };
}

/**
 * Resize position embeddings [1 + side*side, dim] (CLS first, grid row-major) to a rows x cols patch grid,
 * returning [1 + rows*cols, dim]. The CLS embedding is kept; a square grid of the training size is
 * returned unchanged (a copy), as DINO does.
 */
export function interpolatePosEmbed(posEmbed: Float32Array, dim: number, grid: { rows: number; cols: number }): Float32Array {
  ensureInteger(grid.rows, 'the patch grid rows', { min: 1 });
  ensureInteger(grid.cols, 'the patch grid cols', { min: 1 });
  const positions = posEmbed.length / dim - 1;
  const side = Math.round(Math.sqrt(positions));
  ensure(side * side === positions && positions > 0, 'a square grid of position embeddings plus CLS', 'pos_embed', `${positions + 1} positions`);
  if (grid.rows === side && grid.cols === side) return posEmbed.slice();
  const rowTaps = axisTaps(side, grid.rows, (grid.rows + 0.1) / side);
  const colTaps = axisTaps(side, grid.cols, (grid.cols + 0.1) / side);
  const out = new Float32Array((1 + grid.rows * grid.cols) * dim);
  out.set(posEmbed.subarray(0, dim));
  const acc = new Float64Array(dim);
  for (let r = 0; r < grid.rows; r++) {
    for (let c = 0; c < grid.cols; c++) {
      acc.fill(0);
      for (let i = 0; i < 4; i++) {
        for (let j = 0; j < 4; j++) {
          const w = rowTaps.weight[r * 4 + i]! * colTaps.weight[c * 4 + j]!;
          const source = (1 + rowTaps.index[r * 4 + i]! * side + colTaps.index[c * 4 + j]!) * dim;
          for (let d = 0; d < dim; d++) acc[d] += w * posEmbed[source + d]!;
        }
      }
      out.set(acc, (1 + r * grid.cols + c) * dim);
    }
  }
  return out;
}
