/**
 * Seeded two-label segmentation by random walks with a prior (Grady, "Random Walks for Image Segmentation",
 * PAMI 2006; priors: Grady, "Multilabel Random Walker Image Segmentation Using Prior Models", CVPR 2005).
 * Seed pixels are hard labels (Dirichlet boundary), every other pixel gets the probability that a walker
 * started there reaches a foreground seed first, pulled towards its prior with weight `priorWeight`.
 * A user's click thus spreads along homogeneous regions and stops at image edges, which is what an
 * interactive correction wants.
 */
import {
  createMask, createScalarMap, ensure, ensureImage, ensureInteger, ensureMap, ensureNumber, ensureSameSize,
  type ImageTensor, type Mask, type ScalarMap,
} from '../core/index.js';

/** Seed labels per pixel: -1 unknown, 0 background, 1 foreground. */
export interface SeedGrid {
  readonly data: Int8Array;
  readonly rows: number;
  readonly cols: number;
}

export interface RandomWalkerIteration {
  readonly iteration: number;
  /** Preconditioned residual norm relative to the first one. */
  readonly relativeResidual: number;
}

export interface RandomWalkerOptions {
  readonly seeds?: SeedGrid;
  /** Foreground probability per pixel in [0, 1] (e.g. a calibrated relevance map). */
  readonly prior?: ScalarMap;
  /**
   * gamma of the prior term, one number or one per pixel (default 0.01). Where gamma is small a seed's label
   * spreads about 1 / sqrt(gamma) pixels through homogeneous regions; where it is 0 only edges stop it.
   */
  readonly priorWeight?: number | ScalarMap;
  /** Edge sensitivity as scikit-image's random_walker: w = exp(-beta |dI|^2 / (10 std(I))) (default 130). */
  readonly beta?: number;
  /** Stop when the relative residual falls below this (default 1e-4). */
  readonly tolerance?: number;
  readonly maxIterations?: number;
  readonly onIteration?: (event: RandomWalkerIteration) => void;
}

export interface RandomWalkerResult {
  /** Probability of foreground per pixel. */
  readonly probability: ScalarMap;
  /** probability > 0.5, seeds as given. */
  readonly mask: Mask;
  readonly iterations: number;
  readonly converged: boolean;
}

/** Below this the weights would underflow and disconnect the graph (scikit-image's eps). */
const MIN_WEIGHT = 1e-6;

/**
 * Solves (L + Gamma) x = Gamma p on the unseeded pixels (Gamma: the diagonal of prior weights), x fixed at the seeds (L: the 4-connected graph
 * Laplacian of the image), with Jacobi-preconditioned conjugate gradients started from the prior.
 * Without a prior the walk needs seeds of both labels; with seeds of one label only, every pixel is that
 * label (early return); with neither seeds nor a positive prior weight there is nothing to solve (all 0).
 *
 * @example segmentRandomWalker(image, { prior, seeds }).mask
 */
export function segmentRandomWalker(image: ImageTensor, options: RandomWalkerOptions = {}): RandomWalkerResult {
  ensureImage(image);
  const { rows, cols } = image;
  const seeds = options.seeds ?? { data: new Int8Array(rows * cols).fill(-1), rows, cols };
  ensureSeeds(seeds, image);
  if (options.prior) {
    ensureMap(options.prior, 'the prior');
    ensureSameSize(image, options.prior, 'the prior');
  }
  const gamma = priorWeights(options, rows * cols);
  const labels = seedLabels(seeds);
  if (labels.size === 0 && !gamma.some((g) => g > 0)) return constantResult(rows, cols, 0, seeds);
  if (!options.prior && labels.size < 2) return constantResult(rows, cols, labels.has(1) ? 1 : 0, seeds);
  const weights = edgeWeights(image, ensureNumber(options.beta ?? 130, 'beta', { min: 0 }));
  const prior = options.prior?.data ?? new Float32Array(rows * cols);
  const x = initialGuess(prior, seeds);
  const solved = solveConjugateGradient({ x, prior, gamma, weights, seeds }, options);
  const probability = createScalarMap(rows, cols, Float32Array.from(x, (v) => Math.min(1, Math.max(0, v))));
  const mask = createMask(rows, cols, Uint8Array.from(probability.data, (v, i) => (seeds.data[i] === -1 ? (v > 0.5 ? 1 : 0) : seeds.data[i]!)));
  return { probability, mask, ...solved };
}

function ensureSeeds(seeds: SeedGrid, image: ImageTensor): void {
  ensureSameSize(image, seeds, 'the seed grid');
  ensure(seeds.data instanceof Int8Array && seeds.data.length === seeds.rows * seeds.cols, `an Int8Array of ${seeds.rows * seeds.cols} labels`, 'the seed grid', seeds.data);
  for (const label of seeds.data) ensure(label >= -1 && label <= 1, 'seed labels -1, 0 or 1', 'the seed grid', label);
}

/** gamma per pixel: 0 without a prior, else the number or map given (default 0.01). */
function priorWeights(options: RandomWalkerOptions, pixels: number): Float64Array {
  const weight = options.priorWeight ?? 0.01;
  if (!options.prior) return new Float64Array(pixels);
  if (typeof weight === 'number') return new Float64Array(pixels).fill(ensureNumber(weight, 'the prior weight', { min: 0 }));
  ensureMap(weight, 'the prior weight map');
  ensureSameSize(options.prior, weight, 'the prior weight map');
  for (const g of weight.data) ensureNumber(g, 'the prior weight map values', { min: 0 });
  return Float64Array.from(weight.data);
}

function seedLabels(seeds: SeedGrid): Set<number> {
  const labels = new Set<number>();
  for (const label of seeds.data) if (label !== -1) labels.add(label);
  return labels;
}

function constantResult(rows: number, cols: number, value: number, seeds: SeedGrid): RandomWalkerResult {
  const probability = createScalarMap(rows, cols, new Float32Array(rows * cols).fill(value));
  const mask = createMask(rows, cols, Uint8Array.from(seeds.data, (label) => (label === -1 ? value : label)));
  return { probability, mask, iterations: 0, converged: true };
}

/** Weights of the edge to the right (index 0) and down (index 1) of each pixel, [pixels * 2]. */
export function edgeWeights(image: ImageTensor, beta: number): Float64Array {
  const { rows, cols, channels } = image;
  const plane = rows * cols;
  const squared = new Float64Array(plane * 2);
  for (let c = 0; c < channels; c++) {
    const data = image.data.subarray(c * plane, (c + 1) * plane);
    for (let p = 0; p < plane; p++) {
      const col = p % cols;
      if (col + 1 < cols) squared[2 * p] += (data[p]! - data[p + 1]!) ** 2;
      if (p + cols < plane) squared[2 * p + 1] += (data[p]! - data[p + cols]!) ** 2;
    }
  }
  const scale = -beta / (10 * standardDeviation(image.data) * Math.sqrt(channels));
  const weights = new Float64Array(plane * 2);
  for (let e = 0; e < weights.length; e++) weights[e] = Number.isFinite(scale) ? Math.exp(scale * squared[e]!) + MIN_WEIGHT : 1;
  return weights;
}

function standardDeviation(values: Float32Array): number {
  let sum = 0;
  for (const v of values) sum += v;
  const mean = sum / values.length;
  let squares = 0;
  for (const v of values) squares += (v - mean) ** 2;
  return Math.sqrt(squares / values.length);
}

function initialGuess(prior: Float32Array, seeds: SeedGrid): Float64Array {
  return Float64Array.from(prior, (p, i) => (seeds.data[i] === -1 ? p : seeds.data[i]!));
}

interface LinearSystem {
  readonly x: Float64Array;
  readonly prior: Float32Array;
  readonly gamma: Float64Array;
  readonly weights: Float64Array;
  readonly seeds: SeedGrid;
}

/** out = (L + gamma I) v on every pixel, using the 4-neighbour weights; callers zero the seeded entries. */
function applySystem(system: LinearSystem, v: Float64Array, out: Float64Array): void {
  const { weights, gamma, seeds } = system;
  const { cols } = seeds;
  out.fill(0);
  for (let p = 0; p < v.length; p++) out[p] += gamma[p]! * v[p]!;
  for (let p = 0; p < v.length; p++) {
    const right = weights[2 * p]!;
    if ((p % cols) + 1 < cols) addEdge(out, v, p, p + 1, right);
    if (p + cols < v.length) addEdge(out, v, p, p + cols, weights[2 * p + 1]!);
  }
}

function addEdge(out: Float64Array, v: Float64Array, a: number, b: number, weight: number): void {
  const flow = weight * (v[a]! - v[b]!);
  out[a] += flow;
  out[b] -= flow;
}

function diagonal(system: LinearSystem): Float64Array {
  const { weights, gamma, seeds } = system;
  const { cols } = seeds;
  const diag = Float64Array.from(gamma);
  for (let p = 0; p < diag.length; p++) {
    if ((p % cols) + 1 < cols) { diag[p] += weights[2 * p]!; diag[p + 1] += weights[2 * p]!; }
    if (p + cols < diag.length) { diag[p] += weights[2 * p + 1]!; diag[p + cols] += weights[2 * p + 1]!; }
  }
  return diag;
}

/** Preconditioned conjugate gradients on the unseeded pixels (Saad, Iterative Methods, alg. 9.1). */
function solveConjugateGradient(system: LinearSystem, options: RandomWalkerOptions): { iterations: number; converged: boolean } {
  const tolerance = ensureNumber(options.tolerance ?? 1e-4, 'the tolerance', { min: 0 });
  const maxIterations = ensureInteger(options.maxIterations ?? 1000, 'the maximum iterations', { min: 1 });
  const { x, prior, gamma, seeds } = system;
  const free = Uint8Array.from(seeds.data, (label) => (label === -1 ? 1 : 0));
  const inverseDiagonal = diagonal(system).map((d) => 1 / d);
  const residual = new Float64Array(x.length);
  applySystem(system, x, residual);
  for (let p = 0; p < x.length; p++) residual[p] = free[p] ? gamma[p]! * prior[p]! - residual[p]! : 0;
  const z = residual.map((r, p) => r * inverseDiagonal[p]!);
  const direction = z.slice();
  const product = new Float64Array(x.length);
  let rz = dot(residual, z);
  const first = Math.sqrt(Math.abs(rz));
  if (first === 0) return { iterations: 0, converged: true };
  for (let iteration = 1; iteration <= maxIterations; iteration++) {
    applySystem(system, direction, product);
    for (let p = 0; p < x.length; p++) if (!free[p]) product[p] = 0;
    const step = rz / dot(direction, product);
    for (let p = 0; p < x.length; p++) {
      x[p] += step * direction[p]!;
      residual[p] -= step * product[p]!;
      z[p] = residual[p]! * inverseDiagonal[p]!;
    }
    const next = dot(residual, z);
    const relativeResidual = Math.sqrt(Math.abs(next)) / first;
    options.onIteration?.({ iteration, relativeResidual });
    if (relativeResidual <= tolerance) return { iterations: iteration, converged: true };
    const ratio = next / rz;
    rz = next;
    for (let p = 0; p < x.length; p++) direction[p] = z[p]! + ratio * direction[p]!;
  }
  return { iterations: maxIterations, converged: false };
}

function dot(a: Float64Array, b: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i]! * b[i]!;
  return sum;
}
