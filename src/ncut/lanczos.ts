/**
 * Matrix-free symmetric Lanczos for the algebraically largest eigenpair, with full reorthogonalisation.
 */
import { createRng, ensureInteger, ensureNumber } from '../core/index.js';
import type { Rng } from '../core/index.js';
import { largestTridiagonalEigenvalue, tridiagonalEigenvector } from './tridiagonal.js';

export interface EigenIteration {
  readonly iteration: number;
  /** Current Ritz value (estimate of the eigenvalue). */
  readonly value: number;
  /** Residual estimate ||A x - value x|| for the current unit Ritz vector. */
  readonly residual: number;
}

export interface LanczosOptions {
  /** Stop when the residual is at most tolerance * max(1, |value|). Default 1e-10. */
  tolerance?: number;
  /** Krylov dimension cap (default min(size, 500)). */
  maxIterations?: number;
  /** Generator for the start vector; default createRng(seed). */
  rng?: Rng;
  /** Seed of the start vector when no rng is given (default 0). */
  seed?: number;
  onIteration?: (info: EigenIteration) => void;
  /** Orthonormal vectors to project out: the operator is restricted to their orthogonal complement. */
  deflate?: readonly Float64Array[];
}

export interface EigenPair {
  readonly value: number;
  /** Unit eigenvector. */
  readonly vector: Float64Array;
  readonly iterations: number;
  readonly residual: number;
  readonly converged: boolean;
}

export type LinearOperator = (x: Float64Array, out: Float64Array) => void;

function dot(a: Float64Array, b: Float64Array): number {
  let s0 = 0;
  let s1 = 0;
  const n = a.length;
  let i = 0;
  for (; i + 1 < n; i += 2) {
    s0 += a[i]! * b[i]!;
    s1 += a[i + 1]! * b[i + 1]!;
  }
  if (i < n) s0 += a[i]! * b[i]!;
  return s0 + s1;
}

function subtractScaled(target: Float64Array, scale: number, source: Float64Array): void {
  for (let i = 0; i < target.length; i++) target[i] = target[i]! - scale * source[i]!;
}

/**
 * Classical Gram-Schmidt against every vector, repeated only when the first pass cancelled most of w
 * (the Daniel-Gragg-Kaufman-Stewart criterion, Math. Comp. 1976): a second pass restores orthogonality
 * to working precision ("twice is enough"), and skipping it when not needed halves the dominant cost
 * (reorthogonalisation, m dot products and updates of length n per step, outgrows the sparse W x).
 */
function orthogonalise(w: Float64Array, basis: readonly Float64Array[]): void {
  if (basis.length === 0) return;
  for (let pass = 0; pass < 2; pass++) {
    const before = dot(w, w);
    const coefficients = basis.map((v) => dot(v, w));
    basis.forEach((v, k) => subtractScaled(w, coefficients[k]!, v));
    if (dot(w, w) > 0.5 * before) return;
  }
}

function startVector(size: number, rng: Rng, deflate: readonly Float64Array[]): Float64Array {
  const v = new Float64Array(size);
  for (let i = 0; i < size; i++) v[i] = rng.normal();
  orthogonalise(v, deflate);
  const norm = Math.sqrt(dot(v, v));
  for (let i = 0; i < size; i++) v[i] = v[i]! / norm;
  return v;
}

function ritzVector(basis: readonly Float64Array[], coefficients: Float64Array, size: number): Float64Array {
  const vector = new Float64Array(size);
  basis.forEach((v, k) => subtractScaled(vector, -coefficients[k]!, v));
  const norm = Math.sqrt(dot(vector, vector));
  for (let i = 0; i < size; i++) vector[i] = vector[i]! / norm;
  return vector;
}

/**
 * Largest eigenpair of a symmetric operator by the Lanczos method (Lanczos 1950; Golub & Van Loan,
 * "Matrix Computations", 4th ed., 10.1) with full reorthogonalisation, which keeps the basis orthogonal
 * so no spurious copies of converged Ritz values appear. Memory is maxIterations vectors of `size`.
 * A breakdown (beta = 0) means an invariant subspace was found: its Ritz pair is exact.
 */
export function lanczosLargest(apply: LinearOperator, size: number, options: LanczosOptions = {}): EigenPair {
  ensureInteger(size, 'the operator size', { min: 1 });
  const tolerance = ensureNumber(options.tolerance ?? 1e-10, 'tolerance', { min: 0 });
  const deflate = options.deflate ?? [];
  const free = size - deflate.length;
  const maxIterations = ensureInteger(options.maxIterations ?? Math.min(free, 500), 'maxIterations', { min: 1 });
  const limit = Math.min(maxIterations, Math.max(free, 1));
  const rng = options.rng ?? createRng(options.seed ?? 0);
  const basis: Float64Array[] = [startVector(size, rng, deflate)];
  const alpha = new Float64Array(limit);
  const beta = new Float64Array(limit);
  const w = new Float64Array(size);
  let value = 0;
  let residual = Infinity;
  let coefficients: Float64Array = new Float64Array(1);
  for (let j = 0; j < limit; j++) {
    apply(basis[j]!, w);
    alpha[j] = dot(basis[j]!, w);
    // The three-term recurrence removes the large components first, so that the full pass below only
    // mops up rounding and its DGKS test rarely asks for a second pass.
    subtractScaled(w, alpha[j]!, basis[j]!);
    if (j > 0) subtractScaled(w, beta[j - 1]!, basis[j - 1]!);
    orthogonalise(w, deflate);
    orthogonalise(w, basis);
    beta[j] = Math.sqrt(dot(w, w));
    const lanczosMatrix = { alpha, beta, size: j + 1 };
    value = largestTridiagonalEigenvalue(lanczosMatrix);
    coefficients = tridiagonalEigenvector(lanczosMatrix, value);
    residual = Math.abs(beta[j]! * coefficients[j]!);
    options.onIteration?.({ iteration: j + 1, value, residual });
    const breakdown = beta[j]! <= 1e-14 * Math.max(1, Math.abs(value));
    if (breakdown || residual <= tolerance * Math.max(1, Math.abs(value))) {
      return { value, vector: ritzVector(basis, coefficients, size), iterations: j + 1, residual, converged: true };
    }
    if (j + 1 < limit) basis.push(Float64Array.from(w, (x) => x / beta[j]!));
  }
  return { value, vector: ritzVector(basis, coefficients, size), iterations: limit, residual, converged: false };
}
