/**
 * Permutohedral lattice for fast high-dimensional Gaussian filtering
 * (Adams, Baek & Davis, "Fast High-Dimensional Filtering Using the Permutohedral Lattice",
 * Eurographics 2010), in the form Kraehenbuehl & Koltun use for dense CRFs (NIPS 2011, Sec. 4):
 * splat each point onto the d+1 vertices of its enclosing simplex, blur along the d+1 lattice
 * axes with a [1/2 1 1/2] kernel, slice back with the same barycentric weights.
 *
 * The lattice is built once per feature set and then filters any number of value channels,
 * any number of times (one build per kernel, reused by every mean-field iteration).
 * The filter approximates sum_j exp(-|f_i - f_j|^2 / 2) v_j up to a global scale. Splat and slice
 * share weights and each axis blur is symmetric, so the operator is symmetric away from the edge of
 * the splatted region; at the edge, missing vertices count as zero and the axis blurs stop
 * commuting, which leaves a small asymmetry (as in Kraehenbuehl's implementation).
 */
import { ensure, ensureInteger } from '../core/index.js';
import { LatticeHashTable } from './lattice-hash.js';
import { createSimplexWork, locatePoint, vertexKey } from './lattice-simplex.js';

export interface PermutohedralLattice {
  /** Feature dimension d. */
  readonly dimensions: number;
  /** Number of filtered points (pixels) N. */
  readonly size: number;
  /** Number of lattice vertices touched by the splat. */
  readonly vertices: number;
  /**
   * Filters `channels` planar value channels (`input` is channels x N, channel-major, like the
   * marginals of a CRF) and writes channels x N into `output` (allocated when omitted).
   */
  filter(input: Float32Array, channels: number, output?: Float32Array): Float32Array;
}

/** Placement of every point on the lattice: d+1 vertex indices and barycentric weights per point. */
interface Splatting {
  readonly vertexOfPoint: Int32Array;
  readonly weightOfPoint: Float32Array;
  readonly table: LatticeHashTable;
}

/**
 * Builds the lattice for N points with `dimensions` features each, stored point-major in
 * `features` (N x d, already divided by their standard deviations).
 *
 * Example: `buildPermutohedralLattice(Float32Array.of(0, 0, 1, 0), 2).filter(Float32Array.of(1, 0), 1)`
 * spreads the first point's value onto its neighbour one standard deviation away.
 */
export function buildPermutohedralLattice(features: Float32Array, dimensions: number): PermutohedralLattice {
  ensureInteger(dimensions, 'the lattice feature dimension', { min: 1, max: 32 });
  ensure(features.length % dimensions === 0 && features.length > 0, `a non-empty multiple of ${dimensions} values`,
    'the lattice features', features);
  for (const value of features) {
    // Lattice keys are 32-bit integers; a huge or non-finite feature (a NaN pixel, sxy near zero) would corrupt them.
    ensure(Math.abs(value) < 1e6, 'finite features of magnitude below 1e6', 'the lattice features', value);
  }
  const size = features.length / dimensions;
  const splatting = splatPoints(features, dimensions, size);
  const neighbours = findBlurNeighbours(splatting.table);
  return createFilter(dimensions, size, splatting, neighbours);
}

function splatPoints(features: Float32Array, d: number, size: number): Splatting {
  const table = new LatticeHashTable(d, Math.max(16, Math.ceil(size / 4)));
  const vertexOfPoint = new Int32Array(size * (d + 1));
  const weightOfPoint = new Float32Array(size * (d + 1));
  const work = createSimplexWork(d);
  const previous = { nearest: new Int32Array(d + 1).fill(2 ** 31 - 1), rank: new Int32Array(d + 1) };
  const key = new Int32Array(d);
  for (let point = 0; point < size; point++) {
    locatePoint(features, point * d, work);
    const base = point * (d + 1);
    // Neighbouring pixels usually share a simplex; reusing its vertices skips d+1 hash lookups.
    const sameSimplex = point > 0 && sameIntegers(work.nearest, previous.nearest) && sameIntegers(work.rank, previous.rank);
    for (let remainder = 0; remainder <= d; remainder++) {
      if (sameSimplex) {
        vertexOfPoint[base + remainder] = vertexOfPoint[base - d - 1 + remainder]!;
      } else {
        vertexKey(work, remainder, key);
        vertexOfPoint[base + remainder] = table.findOrInsert(key);
      }
      weightOfPoint[base + remainder] = work.barycentric[remainder]!;
    }
    previous.nearest.set(work.nearest);
    previous.rank.set(work.rank);
  }
  return { vertexOfPoint, weightOfPoint, table };
}

function sameIntegers(a: Int32Array, b: Int32Array): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * For each axis j and vertex, the indices of the two neighbours along j (-1 when absent):
 * the vertex minus 1 in every coordinate except j, which gains d (and the reverse). Only the
 * lower neighbour is looked up; the relation is mutual, so that lookup also fills the other's upper.
 */
function findBlurNeighbours(table: LatticeHashTable): Int32Array {
  const d = table.keyLength;
  const vertices = table.size;
  const keys = table.keyData;
  const neighbours = new Int32Array((d + 1) * vertices * 2).fill(-1);
  const below = new Int32Array(d);
  for (let axis = 0; axis <= d; axis++) {
    for (let vertex = 0; vertex < vertices; vertex++) {
      for (let i = 0; i < d; i++) below[i] = keys[vertex * d + i]! - 1;
      if (axis < d) below[axis] = keys[vertex * d + axis]! + d;
      const lower = table.find(below);
      if (lower < 0) continue;
      neighbours[(axis * vertices + vertex) * 2] = lower;
      neighbours[(axis * vertices + lower) * 2 + 1] = vertex;
    }
  }
  return neighbours;
}

function createFilter(d: number, size: number, splatting: Splatting, neighbours: Int32Array): PermutohedralLattice {
  const vertices = splatting.table.size;
  let bufferA = new Float64Array(0);
  let bufferB = new Float64Array(0);
  return {
    dimensions: d,
    size,
    vertices,
    filter(input, channels, output) {
      ensureInteger(channels, 'the number of value channels', { min: 1 });
      ensure(input.length === channels * size, `${channels * size} values (channels x points)`, 'the lattice filter input', input);
      const result = output ?? new Float32Array(channels * size);
      ensure(result.length === channels * size, `${channels * size} values`, 'the lattice filter output', result);
      if (bufferA.length < vertices * channels) {
        bufferA = new Float64Array(vertices * channels);
        bufferB = new Float64Array(vertices * channels);
      }
      const values = bufferA.subarray(0, vertices * channels);
      const scratch = bufferB.subarray(0, vertices * channels);
      splat(input, values, { d, size, channels, splatting });
      const blurred = blur(values, scratch, { d, vertices, channels, neighbours });
      slice(blurred, result, { d, size, channels, splatting });
      return result;
    },
  };
}

interface PassShape {
  readonly d: number;
  readonly size: number;
  readonly channels: number;
  readonly splatting: Splatting;
}

function splat(input: Float32Array, values: Float64Array, shape: PassShape): void {
  const { d, size, channels, splatting } = shape;
  values.fill(0);
  for (let point = 0; point < size; point++) {
    for (let k = 0; k <= d; k++) {
      const base = splatting.vertexOfPoint[point * (d + 1) + k]! * channels;
      const weight = splatting.weightOfPoint[point * (d + 1) + k]!;
      for (let c = 0; c < channels; c++) values[base + c]! += weight * input[c * size + point]!;
    }
  }
}

/** Blurs along each of the d+1 axes in turn; returns the buffer that holds the result. */
function blur(values: Float64Array, scratch: Float64Array,
  shape: { d: number; vertices: number; channels: number; neighbours: Int32Array }): Float64Array {
  const { d, vertices, channels, neighbours } = shape;
  let source = values;
  let target = scratch;
  for (let axis = 0; axis <= d; axis++) {
    for (let vertex = 0; vertex < vertices; vertex++) {
      const at = (axis * vertices + vertex) * 2;
      const below = neighbours[at]! * channels;
      const above = neighbours[at + 1]! * channels;
      const base = vertex * channels;
      for (let c = 0; c < channels; c++) {
        const belowValue = below >= 0 ? source[below + c]! : 0;
        const aboveValue = above >= 0 ? source[above + c]! : 0;
        target[base + c] = source[base + c]! + 0.5 * (belowValue + aboveValue);
      }
    }
    [source, target] = [target, source];
  }
  return source;
}

function slice(values: Float64Array, output: Float32Array, shape: PassShape): void {
  const { d, size, channels, splatting } = shape;
  // The scale constant of Kraehenbuehl's implementation, kept so raw outputs are comparable with
  // pydensecrf's; every normalisation the CRF uses divides it out again.
  const alpha = 1 / (1 + 2 ** -d);
  for (let point = 0; point < size; point++) {
    for (let c = 0; c < channels; c++) {
      let sum = 0;
      for (let k = 0; k <= d; k++) {
        const base = splatting.vertexOfPoint[point * (d + 1) + k]! * channels;
        sum += splatting.weightOfPoint[point * (d + 1) + k]! * values[base + c]!;
      }
      output[c * size + point] = alpha * sum;
    }
  }
}
