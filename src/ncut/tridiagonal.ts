/**
 * The largest eigenpair of a small symmetric tridiagonal matrix (the Lanczos matrix T), in O(m) work
 * per call so the Lanczos loop can test convergence after every step.
 */

/** Leading size x size block of the tridiagonal with diagonal alpha and off-diagonal beta. */
export interface Tridiagonal {
  readonly alpha: Float64Array;
  readonly beta: Float64Array;
  readonly size: number;
}

/** Number of eigenvalues of T below x, from the signs of the LDL^T pivots of T - x I (Sturm count). */
function countBelow({ alpha, beta, size: m }: Tridiagonal, x: number): number {
  let count = 0;
  let pivot = 1;
  for (let i = 0; i < m; i++) {
    const coupling = i > 0 ? (beta[i - 1]! * beta[i - 1]!) / pivot : 0;
    pivot = alpha[i]! - x - coupling;
    if (pivot === 0) pivot = -1e-300;
    if (pivot < 0) count++;
  }
  return count;
}

/**
 * Largest eigenvalue of the m x m tridiagonal T (diagonal alpha, off-diagonal beta) by Sturm-sequence
 * bisection inside the Gershgorin interval (Wilkinson, "The Algebraic Eigenvalue Problem", 1965, 5.39).
 */
export function largestTridiagonalEigenvalue(matrix: Tridiagonal): number {
  const { alpha, beta, size: m } = matrix;
  let low = Infinity;
  let high = -Infinity;
  for (let i = 0; i < m; i++) {
    const radius = (i > 0 ? Math.abs(beta[i - 1]!) : 0) + (i < m - 1 ? Math.abs(beta[i]!) : 0);
    low = Math.min(low, alpha[i]! - radius);
    high = Math.max(high, alpha[i]! + radius);
  }
  const scale = Math.max(Math.abs(low), Math.abs(high), 1e-300);
  for (let step = 0; step < 200 && high - low > 4 * Number.EPSILON * scale; step++) {
    const middle = 0.5 * (low + high);
    if (countBelow(matrix, middle) >= m) high = middle;
    else low = middle;
  }
  return 0.5 * (low + high);
}

/**
 * Solves (T - shift I) x = rhs in place by Gaussian elimination with partial pivoting, as LAPACK's
 * dgttrf/dgtts2 do; a zero pivot is replaced by `tiny` so a shift at an eigenvalue stays solvable.
 */
function solveShiftedTridiagonal(matrix: Tridiagonal, shift: number, rhs: Float64Array): void {
  const { alpha, beta, size: m } = matrix;
  const tiny = 1e-300;
  const diag = new Float64Array(m);
  const upper = new Float64Array(m);
  const upper2 = new Float64Array(m);
  const lower = new Float64Array(m);
  const swapped = new Uint8Array(m);
  for (let i = 0; i < m; i++) diag[i] = alpha[i]! - shift;
  for (let i = 0; i < m - 1; i++) {
    upper[i] = beta[i]!;
    lower[i] = beta[i]!;
  }
  for (let i = 0; i < m - 1; i++) {
    if (Math.abs(diag[i]!) >= Math.abs(lower[i]!)) {
      if (diag[i] === 0) diag[i] = tiny;
      const factor = lower[i]! / diag[i]!;
      lower[i] = factor;
      diag[i + 1] = diag[i + 1]! - factor * upper[i]!;
      continue;
    }
    const factor = diag[i]! / lower[i]!;
    const nextDiag = diag[i + 1]!;
    diag[i] = lower[i]!;
    lower[i] = factor;
    diag[i + 1] = upper[i]! - factor * nextDiag;
    upper2[i] = i < m - 2 ? upper[i + 1]! : 0;
    if (i < m - 2) upper[i + 1] = -factor * upper[i + 1]!;
    upper[i] = nextDiag;
    swapped[i] = 1;
  }
  if (diag[m - 1] === 0) diag[m - 1] = tiny;
  for (let i = 0; i < m - 1; i++) {
    if (swapped[i]) {
      const held = rhs[i]!;
      rhs[i] = rhs[i + 1]!;
      rhs[i + 1] = held - lower[i]! * rhs[i]!;
    } else {
      rhs[i + 1] = rhs[i + 1]! - lower[i]! * rhs[i]!;
    }
  }
  for (let i = m - 1; i >= 0; i--) {
    let value = rhs[i]!;
    if (i + 1 < m) value -= upper[i]! * rhs[i + 1]!;
    if (i + 2 < m) value -= upper2[i]! * rhs[i + 2]!;
    rhs[i] = value / diag[i]!;
  }
}

/**
 * Unit eigenvector of T for a known eigenvalue, by inverse iteration (Wilkinson 1965, 5.54); three
 * solves suffice because the shift is accurate to machine precision.
 */
export function tridiagonalEigenvector(matrix: Tridiagonal, value: number): Float64Array {
  const m = matrix.size;
  const vector = new Float64Array(m);
  for (let i = 0; i < m; i++) vector[i] = 1 + 0.01 * ((i * 7919) % 13);
  const shift = value + 1e-13 * Math.max(1, Math.abs(value));
  for (let round = 0; round < 3; round++) {
    solveShiftedTridiagonal(matrix, shift, vector);
    let norm = 0;
    for (let i = 0; i < m; i++) norm += vector[i]! * vector[i]!;
    norm = Math.sqrt(norm);
    for (let i = 0; i < m; i++) vector[i] = vector[i]! / norm;
  }
  return vector;
}
