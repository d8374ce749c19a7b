/**
 * Pixel-level sparse affinity graph (CSR) over a radius neighbourhood, combining a relevance map and
 * the image intensity, with Shi and Malik's brightness-and-proximity weights.
 */
import { ensure, ensureImage, ensureMap, ensureNumber, ensureSameSize } from '../core/index.js';
import type { ImageTensor, ScalarMap } from '../core/index.js';
import type { SparseGraph } from './graph.js';

export interface PixelGraphOptions {
  /** Image whose channel-mean intensity joins the feature vector; same rows x cols as the relevance. */
  image?: ImageTensor;
  /** Scale of the relevance in F (default 1). */
  relevanceWeight?: number;
  /** Scale of the intensity in F (default 1; unused without an image). */
  intensityWeight?: number;
  /** sigma_I of the feature term (default 0.1, for values in [0, 1]). */
  sigmaFeature?: number;
  /** sigma_X of the proximity term, in pixels (default 4). */
  sigmaSpace?: number;
  /** Pixels j with |X_i - X_j| < radius are neighbours (default 5). */
  radius?: number;
}

/** Per-pixel feature vectors F_i = [relevanceWeight * relevance, intensityWeight * mean over channels]. */
function pixelFeatures(relevance: ScalarMap, options: PixelGraphOptions): { data: Float64Array; dim: number } {
  const relevanceWeight = ensureNumber(options.relevanceWeight ?? 1, 'relevanceWeight', { min: 0 });
  const intensityWeight = ensureNumber(options.intensityWeight ?? 1, 'intensityWeight', { min: 0 });
  const image = options.image;
  const pixels = relevance.rows * relevance.cols;
  const dim = image ? 2 : 1;
  const data = new Float64Array(pixels * dim);
  for (let p = 0; p < pixels; p++) data[p * dim] = relevanceWeight * relevance.data[p]!;
  if (!image) return { data, dim };
  for (let p = 0; p < pixels; p++) {
    let sum = 0;
    for (let c = 0; c < image.channels; c++) sum += image.data[c * pixels + p]!;
    data[p * dim + 1] = intensityWeight * (sum / image.channels);
  }
  return { data, dim };
}

/** Neighbour offsets with 0 < dr^2 + dc^2 < radius^2, in row-major order so CSR columns come out sorted. */
function neighbourOffsets(radius: number): Array<{ dr: number; dc: number; distance2: number }> {
  const reach = Math.ceil(radius) - (Number.isInteger(radius) ? 1 : 0);
  const offsets: Array<{ dr: number; dc: number; distance2: number }> = [];
  for (let dr = -reach; dr <= reach; dr++) {
    for (let dc = -reach; dc <= reach; dc++) {
      const distance2 = dr * dr + dc * dc;
      if (distance2 > 0 && distance2 < radius * radius) offsets.push({ dr, dc, distance2 });
    }
  }
  return offsets;
}

/**
 * w_ij = exp(-||F_i - F_j||^2 / sigmaI^2) * exp(-||X_i - X_j||^2 / sigmaX^2) for ||X_i - X_j|| < r, else 0
 * (Shi & Malik, "Normalized Cuts and Image Segmentation", PAMI 2000, eq. 11). No self loops.
 *
 * @example affinityPixelGrid(relevance, { image, radius: 5, sigmaFeature: 0.1, sigmaSpace: 4 })
 */
export function affinityPixelGrid(relevance: ScalarMap, options: PixelGraphOptions = {}): SparseGraph {
  ensureMap(relevance, 'the relevance map');
  if (options.image) {
    ensureImage(options.image);
    ensureSameSize(relevance, options.image, 'the image');
  }
  const sigmaFeature = ensureNumber(options.sigmaFeature ?? 0.1, 'sigmaFeature', { min: Number.MIN_VALUE });
  const sigmaSpace = ensureNumber(options.sigmaSpace ?? 4, 'sigmaSpace', { min: Number.MIN_VALUE });
  const radius = ensureNumber(options.radius ?? 5, 'radius', { min: 1, max: 64 });
  ensure(radius > 1, 'a radius > 1 (a radius of 1 has no neighbours)', 'radius', radius);
  const { rows, cols } = relevance;
  const { data: features, dim } = pixelFeatures(relevance, options);
  const offsets = neighbourOffsets(radius);
  const size = rows * cols;
  const rowStart = new Int32Array(size + 1);
  const columns = new Int32Array(size * offsets.length);
  const weights = new Float32Array(size * offsets.length);
  const inverseFeature2 = 1 / (sigmaFeature * sigmaFeature);
  const inverseSpace2 = 1 / (sigmaSpace * sigmaSpace);
  let nnz = 0;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const i = r * cols + c;
      for (const { dr, dc, distance2 } of offsets) {
        const rr = r + dr;
        const cc = c + dc;
        if (rr < 0 || rr >= rows || cc < 0 || cc >= cols) continue;
        const j = rr * cols + cc;
        let feature2 = 0;
        for (let k = 0; k < dim; k++) {
          const diff = features[i * dim + k]! - features[j * dim + k]!;
          feature2 += diff * diff;
        }
        columns[nnz] = j;
        weights[nnz] = Math.exp(-feature2 * inverseFeature2 - distance2 * inverseSpace2);
        nnz++;
      }
      rowStart[i + 1] = nnz;
    }
  }
  return { kind: 'sparse', size, rowStart, columns: columns.slice(0, nnz), weights: weights.slice(0, nnz) };
}
