/**
 * Mean-field inference for a fully connected CRF with Potts compatibility and Gaussian edge
 * potentials (Kraehenbuehl & Koltun, "Efficient Inference in Fully Connected CRFs with Gaussian
 * Edge Potentials", NIPS 2011, Algorithm 1). Each iteration filters the marginals with every
 * kernel (message passing), adds the weighted messages to the negative unary and renormalises.
 */
import { ensure, ensureInteger, ensureNumber } from '../core/index.js';
import type { PairwiseKernel } from './kernels.js';
import { ensureLabelFields, type LabelFields } from './unary.js';

/** One pairwise term: a kernel and its Potts weight w (pydensecrf's `compat`). */
export interface PairwiseTerm {
  readonly kernel: PairwiseKernel;
  readonly weight: number;
}

export interface MeanFieldIteration {
  /** 1-based iteration just finished. */
  readonly iteration: number;
  readonly iterations: number;
  /** Current marginals Q, labels x N (a live buffer: copy it to keep it). */
  readonly marginals: Float32Array;
}

export interface MeanFieldOptions {
  /** Number of mean-field updates; 5 is pydensecrf's common choice. */
  readonly iterations?: number;
  readonly onIteration?: (event: MeanFieldIteration) => void;
}

/**
 * Runs mean field from Q = softmax(-unary) and returns the marginals (labels x N). Potts
 * compatibility is applied as pydensecrf's PottsCompatibility does, as a reward w * (k * Q)(l)
 * for agreeing with label l, which equals the Potts penalty up to a per-pixel constant; the
 * kernel's self-weight is included, as in pydensecrf's lattice filter.
 *
 * Example: two pixels with unaries [[0, 0], [1, 1]] and no pairwise terms give marginals
 * [0.731, 0.731] for label 0 and [0.269, 0.269] for label 1.
 */
export function inferMeanField(unary: LabelFields, terms: readonly PairwiseTerm[], options: MeanFieldOptions = {}): Float32Array {
  ensureLabelFields(unary, 'the unary energy');
  const iterations = ensureInteger(options.iterations ?? 5, 'the number of mean-field iterations', { min: 0, max: 1000 });
  const pixels = unary.rows * unary.cols;
  for (const [index, term] of terms.entries()) {
    ensure(term.kernel.size === pixels, `a kernel over ${pixels} pixels`, `pairwise term ${index}`, term.kernel.size);
    ensureNumber(term.weight, `the weight of pairwise term ${index}`);
  }
  const marginals = new Float32Array(unary.data.length);
  const logits = new Float32Array(unary.data.length);
  const message = new Float32Array(unary.data.length);
  negate(unary.data, logits);
  softmaxOverLabels(logits, marginals, unary.labels);
  for (let iteration = 1; iteration <= iterations; iteration++) {
    negate(unary.data, logits);
    for (const term of terms) {
      filterMarginals(term.kernel, marginals, { labels: unary.labels, message });
      for (let at = 0; at < logits.length; at++) logits[at]! += term.weight * message[at]!;
    }
    softmaxOverLabels(logits, marginals, unary.labels);
    options.onIteration?.({ iteration, iterations, marginals });
  }
  return marginals;
}

/**
 * Filters all labels' marginals while running the filter on L - 1 of them: the marginals sum to
 * one at every pixel and the filter is linear, so the last label's message is K 1 minus the
 * others' (halves the lattice work for two labels).
 */
function filterMarginals(kernel: PairwiseKernel, marginals: Float32Array, work: { labels: number; message: Float32Array }): void {
  const { labels, message } = work;
  const size = kernel.size;
  const filtered = (labels - 1) * size;
  kernel.apply(marginals.subarray(0, filtered), labels - 1, message.subarray(0, filtered));
  for (let pixel = 0; pixel < size; pixel++) {
    let others = 0;
    for (let label = 0; label < labels - 1; label++) others += message[label * size + pixel]!;
    message[filtered + pixel] = kernel.filteredOnes[pixel]! - others;
  }
}

function negate(values: Float32Array, output: Float32Array): void {
  for (let at = 0; at < values.length; at++) output[at] = -values[at]!;
}

/** Softmax over the label axis of planar labels x N logits, shifted by the maximum for stability. */
export function softmaxOverLabels(logits: Float32Array, output: Float32Array, labels: number): void {
  const pixels = logits.length / labels;
  for (let pixel = 0; pixel < pixels; pixel++) {
    let max = -Infinity;
    for (let label = 0; label < labels; label++) max = Math.max(max, logits[label * pixels + pixel]!);
    let sum = 0;
    for (let label = 0; label < labels; label++) {
      const value = Math.exp(logits[label * pixels + pixel]! - max);
      output[label * pixels + pixel] = value;
      sum += value;
    }
    for (let label = 0; label < labels; label++) output[label * pixels + pixel]! /= sum;
  }
}

/** Most probable label per pixel (ties go to the lower label, like numpy's argmax). */
export function labelsFromMarginals(marginals: Float32Array, labels: number): Uint8Array {
  const pixels = marginals.length / labels;
  const result = new Uint8Array(pixels);
  for (let pixel = 0; pixel < pixels; pixel++) {
    let best = 0;
    for (let label = 1; label < labels; label++) {
      if (marginals[label * pixels + pixel]! > marginals[best * pixels + pixel]!) best = label;
    }
    result[pixel] = best;
  }
  return result;
}
