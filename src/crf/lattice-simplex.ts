/**
 * Geometry of the permutohedral lattice A*_d (Adams, Baek & Davis 2010, Sec. 3): elevating a
 * d-dimensional feature onto the hyperplane x . 1 = 0 in d+1 dimensions, finding the enclosing
 * simplex by rounding and sorting residuals (Conway & Sloane's nearest-point rule for A*_d), and
 * its barycentric weights.
 */
import { ensureInteger } from '../core/index.js';

/** Scratch buffers for locating one point; allocated once per build. */
export interface SimplexWork {
  readonly d: number;
  readonly scale: Float64Array;
  readonly elevated: Float64Array;
  readonly nearest: Int32Array;
  readonly rank: Int32Array;
  readonly barycentric: Float64Array;
}

export function createSimplexWork(d: number): SimplexWork {
  return {
    d,
    scale: latticeScale(d),
    elevated: new Float64Array(d + 1),
    nearest: new Int32Array(d + 1),
    rank: new Int32Array(d + 1),
    barycentric: new Float64Array(d + 2),
  };
}

/** Finds the simplex enclosing one point: its remainder-0 vertex, the ranks and barycentric weights. */
export function locatePoint(features: ArrayLike<number>, offset: number, work: SimplexWork): void {
  const { d, elevated, nearest, rank, barycentric } = work;
  elevate(features, offset, work);
  const sum = findNearestZeroPoint(elevated, nearest, d);
  rankDifferences(elevated, nearest, rank, d);
  wrapRanks(nearest, rank, { d, sum });
  computeBarycentric(elevated, nearest, rank, barycentric, d);
}

/** Writes the first d coordinates of the simplex vertex with the given remainder into `key`. */
export function vertexKey(work: SimplexWork, remainder: number, key: Int32Array): void {
  const { d, nearest, rank } = work;
  for (let i = 0; i < d; i++) key[i] = nearest[i]! + remainder - (rank[i]! > d - remainder ? d + 1 : 0);
}

/**
 * The enclosing simplex of one feature vector, for inspection and tests: its position on the
 * lattice's hyperplane (`elevated`, d+1 coordinates summing to zero), the d+1 vertices (full
 * d+1 coordinates each, vertex k having every coordinate = k mod d+1) and barycentric weights.
 */
export function locateInLattice(feature: ArrayLike<number>): { elevated: Float64Array; vertices: Int32Array[]; weights: Float64Array } {
  const d = feature.length;
  ensureInteger(d, 'the lattice feature dimension', { min: 1, max: 32 });
  const work = createSimplexWork(d);
  locatePoint(feature, 0, work);
  const key = new Int32Array(d);
  const vertices: Int32Array[] = [];
  for (let remainder = 0; remainder <= d; remainder++) {
    vertexKey(work, remainder, key);
    const vertex = new Int32Array(d + 1);
    vertex.set(key);
    vertex[d] = -key.reduce((total, x) => total + x, 0);
    vertices.push(vertex);
  }
  return { elevated: work.elevated.slice(), vertices, weights: work.barycentric.slice(0, d + 1) };
}

/** Per-axis scale so that the lattice blur matches a unit-variance Gaussian (Adams et al. 2010, Sec. 3.1). */
function latticeScale(d: number): Float64Array {
  const inverseStd = Math.sqrt(2 / 3) * (d + 1);
  const scale = new Float64Array(d);
  for (let i = 0; i < d; i++) scale[i] = inverseStd / Math.sqrt((i + 1) * (i + 2));
  return scale;
}

/** Projects a point onto the hyperplane x . 1 = 0 in d+1 dimensions (the lattice's home). */
function elevate(features: ArrayLike<number>, offset: number, work: SimplexWork): void {
  const { d, scale, elevated } = work;
  elevated[d] = -d * features[offset + d - 1]! * scale[d - 1]!;
  for (let i = d - 1; i > 0; i--) {
    elevated[i] = elevated[i + 1]! - i * features[offset + i - 1]! * scale[i - 1]! + (i + 2) * features[offset + i]! * scale[i]!;
  }
  elevated[0] = elevated[1]! + 2 * features[offset]! * scale[0]!;
}

/** Rounds each coordinate to the nearest multiple of d+1; returns the coordinate sum in units of d+1. */
function findNearestZeroPoint(elevated: Float64Array, nearest: Int32Array, d: number): number {
  let sum = 0;
  for (let i = 0; i <= d; i++) {
    const scaled = elevated[i]! / (d + 1);
    const up = Math.ceil(scaled) * (d + 1);
    const down = Math.floor(scaled) * (d + 1);
    nearest[i] = up - elevated[i]! < elevated[i]! - down ? up : down;
    sum += nearest[i]!;
  }
  return sum / (d + 1);
}

/** Rank of each coordinate's rounding residual, largest residual first (the simplex's permutation). */
function rankDifferences(elevated: Float64Array, nearest: Int32Array, rank: Int32Array, d: number): void {
  rank.fill(0);
  for (let i = 0; i < d; i++) {
    for (let j = i + 1; j <= d; j++) {
      if (elevated[i]! - nearest[i]! < elevated[j]! - nearest[j]!) rank[i]! += 1;
      else rank[j]! += 1;
    }
  }
}

/** Moves the rounded point back onto the plane (coordinate sum zero) by shifting the extreme ranks. */
function wrapRanks(nearest: Int32Array, rank: Int32Array, work: { d: number; sum: number }): void {
  const { d, sum } = work;
  if (sum > 0) {
    for (let i = 0; i <= d; i++) {
      if (rank[i]! >= d + 1 - sum) {
        nearest[i]! -= d + 1;
        rank[i]! += sum - (d + 1);
      } else rank[i]! += sum;
    }
  } else if (sum < 0) {
    for (let i = 0; i <= d; i++) {
      if (rank[i]! < -sum) {
        nearest[i]! += d + 1;
        rank[i]! += d + 1 + sum;
      } else rank[i]! += sum;
    }
  }
}

function computeBarycentric(elevated: Float64Array, nearest: Int32Array, rank: Int32Array, barycentric: Float64Array, d: number): void {
  barycentric.fill(0);
  for (let i = 0; i <= d; i++) {
    const residual = (elevated[i]! - nearest[i]!) / (d + 1);
    barycentric[d - rank[i]!]! += residual;
    barycentric[d + 1 - rank[i]!]! -= residual;
  }
  barycentric[0]! += 1 + barycentric[d + 1]!;
}

