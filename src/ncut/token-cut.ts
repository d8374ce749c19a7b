/**
 * TokenCut and MaskCut: Normalized Cut on a ViT patch grid with their foreground rules.
 * Both return patch-level masks; upsampling and CRF refinement belong to the pipeline.
 */
import { createMask, ensure, ensureInteger, ensureNumber } from '../core/index.js';
import type { Mask, PatchGrid } from '../core/index.js';
import { affinityCosine } from './affinity.js';
import { cutNormalized } from './cut-normalized.js';
import type { CutOptions } from './cut-normalized.js';
import { chooseForeground, componentContaining, countCornersSet, ensureGrid, sideOf } from './foreground.js';
import type { ForegroundRule } from './foreground.js';

export interface TokenCutOptions extends CutOptions {
  /** Cosine similarity threshold (default 0.2). */
  tau?: number;
  /** Weight of a non-edge (default 1e-5). */
  eps?: number;
  /** Binary graph (default true, as TokenCut). */
  binary?: boolean;
  /** 'eigen-peak' (TokenCut, default) or 'score' (needs `scores`, e.g. per-patch relevance). */
  rule?: ForegroundRule;
  scores?: ArrayLike<number>;
}

export interface TokenCutResult {
  /** rows x cols patch mask: the 4-connected foreground component holding the seed. */
  readonly mask: Mask;
  readonly eigenvector: Float64Array;
  readonly eigenvalue: number;
  readonly ncut: number;
  /** The chosen side before keeping the seed's component. */
  readonly side: Uint8Array;
  readonly seed: number;
}

export interface MaskCutOptions extends Omit<TokenCutOptions, 'rule' | 'scores'> {
  /** Default 0.15, as in CutLER. */
  tau?: number;
  /** Number of cut stages (default 3). */
  maxMasks?: number;
  /** Flip the partition when at least this many of the 4 corners are foreground (CutLER: 3). */
  cornerLimit?: number;
  /** A stage whose mask has IoU above this with the previous mask is dropped (CutLER: 0.5). */
  overlapLimit?: number;
  /** A stage whose mask covers at most this fraction of the grid is dropped (CutLER: 0.01). */
  minAreaFraction?: number;
}

export interface MaskCutResult {
  /** Accepted masks in discovery order, each without the patches of earlier masks. */
  readonly masks: Mask[];
  readonly eigenvectors: Float64Array[];
}

/** keys: [N, d] row-major with N = rows x cols; returns d. */
function keyDimension(keys: Float32Array, grid: PatchGrid): number {
  ensure(keys instanceof Float32Array, 'a Float32Array [N, d]', 'the keys', keys);
  ensureInteger(grid?.rows, "the grid's rows", { min: 1 });
  ensureInteger(grid?.cols, "the grid's cols", { min: 1 });
  const count = grid.rows * grid.cols;
  ensure(keys.length > 0 && keys.length % count === 0, `a multiple of ${count} values (rows x cols x d)`, 'the keys', keys);
  return keys.length / count;
}

/**
 * TokenCut (Wang et al., "Self-Supervised Transformers for Unsupervised Object Discovery using
 * Normalized Cut", CVPR 2022): cosine graph over patch keys with w = 1 above tau else eps, NCut split at
 * the mean, foreground = side holding the largest |eigenvector| entry, keeping only the 4-connected
 * component that contains it.
 *
 * @example tokenCut(keys, { rows: 14, cols: 14 }).mask
 */
export function tokenCut(keys: Float32Array, grid: PatchGrid, options: TokenCutOptions = {}): TokenCutResult {
  const dim = keyDimension(keys, grid);
  const { tau = 0.2, eps = 1e-5, binary = true, rule, scores, ...cutOptions } = options;
  const graph = affinityCosine({ data: keys, count: grid.rows * grid.cols, dim }, { tau, eps, binary });
  const cut = cutNormalized(graph, cutOptions);
  if (isDegenerate(cut.eigenvector)) {
    const empty = new Uint8Array(cut.partition.length);
    const mask = createMask(grid.rows, grid.cols, empty);
    return { mask, eigenvector: cut.eigenvector, eigenvalue: 0, ncut: Infinity, side: empty, seed: 0 };
  }
  const { side, seed } = chooseForeground(cut.partition, cut.eigenvector, { rule: rule ?? 'eigen-peak', scores });
  const component = componentContaining(side, grid, seed);
  return {
    mask: createMask(grid.rows, grid.cols, component), eigenvector: cut.eigenvector,
    eigenvalue: cut.eigenvalue, ncut: cut.ncut, side, seed,
  };
}

/** cutNormalized's early return for a graph without a preferred cut (constant keys). */
function isDegenerate(eigenvector: Float64Array): boolean {
  return eigenvector.every((v) => v === 0);
}

function intersectionOverUnion(a: Uint8Array, b: Uint8Array): number {
  let intersection = 0;
  let union = 0;
  for (let i = 0; i < a.length; i++) {
    intersection += a[i]! & b[i]!;
    union += a[i]! | b[i]!;
  }
  return union === 0 ? 0 : intersection / union;
}

/** Zeroes the keys of painted patches: their cosine with anything is 0, so every edge of theirs is eps. */
function maskedKeys(keys: Float32Array, painted: Uint8Array, dim: number): Float32Array {
  const masked = Float32Array.from(keys);
  painted.forEach((isPainted, node) => {
    if (isPainted) masked.fill(0, node * dim, (node + 1) * dim);
  });
  return masked;
}

interface MaskCutStage {
  readonly component: Uint8Array;
  readonly eigenvector: Float64Array;
}

/** One MaskCut stage: CutLER's flip rule (corner prior first, then the eigenvector peak) and seed. */
function maskCutStage(keys: Float32Array, grid: PatchGrid, dim: number, options: MaskCutOptions): MaskCutStage {
  const { tau = 0.15, eps = 1e-5, binary = true, cornerLimit = 3, ...rest } = options;
  const { maxMasks: _masks, overlapLimit: _overlap, minAreaFraction: _area, ...cutOptions } = rest;
  const graph = affinityCosine({ data: keys, count: grid.rows * grid.cols, dim }, { tau, eps, binary });
  const cut = cutNormalized(graph, cutOptions);
  if (isDegenerate(cut.eigenvector)) return { component: new Uint8Array(cut.partition.length), eigenvector: cut.eigenvector };
  const flipped = countCornersSet(cut.partition, grid) >= cornerLimit
    || chooseForeground(cut.partition, cut.eigenvector, { rule: 'eigen-peak' }).flipped;
  const { side, seed } = sideOf(cut.partition, cut.eigenvector, flipped);
  return { component: componentContaining(side, grid, seed), eigenvector: cut.eigenvector };
}

/**
 * MaskCut (Wang et al., "Cut and Learn for Unsupervised Object Detection and Instance Segmentation",
 * CVPR 2023, sec. 3.1): repeated TokenCut-style cuts; before each stage the keys of patches already
 * claimed are zeroed so all their affinities become eps. A stage's side is flipped when it holds
 * `cornerLimit` or more grid corners (object-centric prior), else when it lacks the largest |eigenvector|
 * entry. The eigenvector's sign is fixed (largest |y_i| positive), so the corner test always inspects
 * the side holding the peak; in CutLER the sign is whatever scipy returns, so the prior fires only for
 * one of the two signs. From the second stage on (as in CutLER), a mask overlapping the previous one by
 * IoU > overlapLimit, or covering <= minAreaFraction of the grid, is dropped; the graph is then
 * unchanged, so every later stage would repeat it and the loop stops.
 *
 * @example maskCut(keys, { rows: 28, cols: 28 }, { maxMasks: 3 }).masks
 */
export function maskCut(keys: Float32Array, grid: PatchGrid, options: MaskCutOptions = {}): MaskCutResult {
  const dim = keyDimension(keys, grid);
  const maxMasks = ensureInteger(options.maxMasks ?? 3, 'maxMasks', { min: 1 });
  ensureInteger(options.cornerLimit ?? 3, 'cornerLimit', { min: 0, max: 4 });
  const overlapLimit = ensureNumber(options.overlapLimit ?? 0.5, 'overlapLimit', { min: 0, max: 1 });
  const minAreaFraction = ensureNumber(options.minAreaFraction ?? 0.01, 'minAreaFraction', { min: 0, max: 1 });
  ensureGrid(grid, keys.length / dim);
  const painted = new Uint8Array(grid.rows * grid.cols);
  const result: MaskCutResult = { masks: [], eigenvectors: [] };
  let previous: Uint8Array | null = null;
  for (let stage = 0; stage < maxMasks; stage++) {
    const stageKeys = stage === 0 ? keys : maskedKeys(keys, painted, dim);
    const { component, eigenvector } = maskCutStage(stageKeys, grid, dim, options);
    const area = component.reduce((s, v) => s + v, 0) / component.length;
    const rejected = previous !== null && (area <= minAreaFraction || intersectionOverUnion(previous, component) > overlapLimit);
    const fresh = component.map((v, i) => (v === 1 && painted[i] === 0 ? 1 : 0));
    if (rejected || !fresh.includes(1)) break;
    component.forEach((v, i) => {
      if (v) painted[i] = 1;
    });
    previous = component;
    result.masks.push(createMask(grid.rows, grid.cols, fresh));
    result.eigenvectors.push(eigenvector);
  }
  return result;
}
