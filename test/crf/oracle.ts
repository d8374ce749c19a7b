/**
 * Slow exact references for the CRF tests, written independently of src/crf: a dense Gaussian
 * filter and a dense mean-field loop straight from Kraehenbuehl & Koltun 2011 (Algorithm 1 with
 * Potts rewards and pydensecrf's symmetric normalisation, self-weight included).
 */
import { createRng, type ImageTensor } from '../../src/core/index.js';

/** sum_j exp(-|f_i - f_j|^2 / 2) v_j for point-major features (N x d). */
export function naiveGaussianFilter(features: Float32Array, dimensions: number, values: Float32Array): Float64Array {
  const size = features.length / dimensions;
  const out = new Float64Array(size);
  for (let i = 0; i < size; i++) {
    let sum = 0;
    for (let j = 0; j < size; j++) {
      let squared = 0;
      for (let k = 0; k < dimensions; k++) squared += (features[i * dimensions + k]! - features[j * dimensions + k]!) ** 2;
      sum += Math.exp(-squared / 2) * values[j]!;
    }
    out[i] = sum;
  }
  return out;
}

export interface NaiveTerm {
  readonly features: Float32Array;
  readonly dimensions: number;
  readonly weight: number;
}

/** Dense mean field, two nested loops per message; unary is labels x N. */
export function naiveMeanField(unary: Float32Array, labels: number, terms: readonly NaiveTerm[], iterations: number): Float64Array {
  const size = unary.length / labels;
  const q = softmax(Array.from(unary, (e) => -e), labels);
  const norms = terms.map((term) => naiveGaussianFilter(term.features, term.dimensions, new Float32Array(size).fill(1)).map((s) => 1 / Math.sqrt(s)));
  for (let it = 0; it < iterations; it++) {
    const logits = Array.from(unary, (e) => -e);
    terms.forEach((term, t) => {
      for (let label = 0; label < labels; label++) {
        const scaled = new Float32Array(size);
        for (let j = 0; j < size; j++) scaled[j] = q[label * size + j]! * norms[t]![j]!;
        const filtered = naiveGaussianFilter(term.features, term.dimensions, scaled);
        for (let i = 0; i < size; i++) logits[label * size + i]! += term.weight * filtered[i]! * norms[t]![i]!;
      }
    });
    q.set(softmax(logits, labels));
  }
  return q;
}

function softmax(logits: number[], labels: number): Float64Array {
  const size = logits.length / labels;
  const out = new Float64Array(logits.length);
  for (let i = 0; i < size; i++) {
    const column = Array.from({ length: labels }, (_, l) => logits[l * size + i]!);
    const max = Math.max(...column);
    const exps = column.map((x) => Math.exp(x - max));
    const total = exps.reduce((a, b) => a + b, 0);
    exps.forEach((x, l) => (out[l * size + i] = x / total));
  }
  return out;
}

/**
 * A two-colour image (left half dark, right half bright, per-channel tints, Gaussian noise)
 * and the true right-half mask, generated with a fixed seed.
 */
export function twoColourImage(rows: number, cols: number, seed: number, noise = 0.03): { image: ImageTensor; truth: Uint8Array } {
  const rng = createRng(seed);
  const pixels = rows * cols;
  const data = new Float32Array(3 * pixels);
  const truth = new Uint8Array(pixels);
  const boundary = Math.floor(cols / 2);
  const dark = [0.2, 0.25, 0.3];
  const bright = [0.75, 0.7, 0.6];
  for (let pixel = 0; pixel < pixels; pixel++) {
    const right = pixel % cols >= boundary;
    truth[pixel] = right ? 1 : 0;
    for (let c = 0; c < 3; c++) data[c * pixels + pixel] = Math.min(1, Math.max(0, (right ? bright : dark)[c]! + noise * rng.normal()));
  }
  return { image: { data, channels: 3, rows, cols }, truth };
}

export function correlation(x: ArrayLike<number>, y: ArrayLike<number>): number {
  const n = x.length;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += x[i]! / n;
    my += y[i]! / n;
  }
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i]! - mx) * (y[i]! - my);
    sxx += (x[i]! - mx) ** 2;
    syy += (y[i]! - my) ** 2;
  }
  return sxy / Math.sqrt(sxx * syy);
}
