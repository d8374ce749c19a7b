/**
 * Which side of a bipartition is the foreground, and which of its pieces to keep.
 */
import { ensure, ensureInteger, ensureNumber, ensureOneOf, type PatchGrid } from '../core/index.js';

/** 'eigen-peak': TokenCut's rule; 'score': the side with the higher mean of a per-node score (relevance). */
export type ForegroundRule = 'eigen-peak' | 'score';
export const FOREGROUND_RULES: readonly ForegroundRule[] = ['eigen-peak', 'score'];

export interface ForegroundOptions {
  rule?: ForegroundRule;
  /** Per-node score for the 'score' rule, e.g. mean relevance per patch. */
  scores?: ArrayLike<number>;
  /**
   * 'score' rule: mean scores closer than this are a tie, which goes to the smaller side (default 0.05, for
   * scores in [0, 1] such as a normalised relevance map). Without a margin, a map that barely tells the
   * sides apart flips the mask between one side and the other on a one-grey-level change of the input.
   */
  tieMargin?: number;
}

/** The 'score' rule's default tie margin, in score units (scores in [0, 1]). */
export const SCORE_TIE_MARGIN = 0.05;

export interface ForegroundChoice {
  /** 1 on the chosen side. */
  readonly side: Uint8Array;
  /** Whether the chosen side is the complement of the given partition. */
  readonly flipped: boolean;
  /**
   * Node whose 4-connected component is kept: the extreme eigenvector entry on the chosen side
   * (the maximum when the side is the partition as given, the minimum when flipped), as in MaskCut.
   */
  readonly seed: number;
}

export function ensureGrid(grid: PatchGrid, size: number, what = 'the patch grid'): void {
  ensureInteger(grid?.rows, `${what}'s rows`, { min: 1 });
  ensureInteger(grid?.cols, `${what}'s cols`, { min: 1 });
  ensure(grid.rows * grid.cols === size, `rows x cols = ${size}`, what, `${grid.rows}x${grid.cols}`);
}

export function argmaxAbsolute(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (Math.abs(values[i]!) > Math.abs(values[best]!)) best = i;
  return best;
}

export function invertPartition(partition: Uint8Array): Uint8Array {
  return partition.map((v) => 1 - v);
}

/** Index of the largest (direction 1) or smallest (direction -1) value. */
export function argmaxSigned(values: ArrayLike<number>, direction: 1 | -1): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (direction * values[i]! > direction * values[best]!) best = i;
  return best;
}

function meanOver(side: Uint8Array, scores: ArrayLike<number>, wanted: number): number {
  let sum = 0;
  let count = 0;
  for (let i = 0; i < side.length; i++) {
    if (side[i] !== wanted) continue;
    sum += scores[i]!;
    count++;
  }
  return count === 0 ? -Infinity : sum / count;
}

/**
 * Picks the foreground side. 'eigen-peak' (TokenCut, Wang et al. CVPR 2022, sec. 3.2): the side holding
 * the largest |eigenvector| entry, since the salient object is the most distinct from the rest.
 * 'score': the side whose mean score is higher by more than `tieMargin`; a closer call
 * goes to the smaller side, since an object is the minority of a frame (equal sizes keep `partition`).
 */
export function chooseForeground(partition: Uint8Array, eigenvector: ArrayLike<number>, options: ForegroundOptions = {}): ForegroundChoice {
  const rule = ensureOneOf(options.rule ?? 'eigen-peak', 'the foreground rule', FOREGROUND_RULES);
  ensure(eigenvector.length === partition.length, `an eigenvector of ${partition.length} entries`, 'the eigenvector', eigenvector);
  let flipped: boolean;
  if (rule === 'eigen-peak') {
    flipped = partition[argmaxAbsolute(eigenvector)] !== 1;
  } else {
    const scores = options.scores;
    ensure(scores !== undefined && scores.length === partition.length, `${partition.length} scores`, 'the foreground scores', scores);
    flipped = scoreRuleFlips(partition, scores!, ensureNumber(options.tieMargin ?? SCORE_TIE_MARGIN, 'the foreground tie margin', { min: 0 }));
  }
  return sideOf(partition, eigenvector, flipped);
}

function scoreRuleFlips(partition: Uint8Array, scores: ArrayLike<number>, tieMargin: number): boolean {
  const [inside, outside] = [meanOver(partition, scores, 1), meanOver(partition, scores, 0)];
  if (!Number.isFinite(inside) || !Number.isFinite(outside)) return inside < outside;
  if (Math.abs(inside - outside) > tieMargin) return outside > inside;
  const size = partition.reduce((count, v) => count + v, 0);
  return size > partition.length - size;
}

/** The chosen side (the partition, or its complement when flipped) and its seed. */
export function sideOf(partition: Uint8Array, eigenvector: ArrayLike<number>, flipped: boolean): ForegroundChoice {
  const side = flipped ? invertPartition(partition) : partition;
  return { side, flipped, seed: argmaxSigned(eigenvector, flipped ? -1 : 1) };
}

/** The 4-connected component of `mask` (rows x cols) containing `seed`; empty if the seed is 0. */
export function componentContaining(mask: Uint8Array, grid: PatchGrid, seed: number): Uint8Array {
  ensureGrid(grid, mask.length);
  ensureInteger(seed, 'the seed node', { min: 0, max: mask.length - 1 });
  const component = new Uint8Array(mask.length);
  if (mask[seed] !== 1) return component;
  const stack = [seed];
  component[seed] = 1;
  while (stack.length > 0) {
    const node = stack.pop()!;
    const row = Math.floor(node / grid.cols);
    const col = node % grid.cols;
    const neighbours = [
      row > 0 ? node - grid.cols : -1,
      row < grid.rows - 1 ? node + grid.cols : -1,
      col > 0 ? node - 1 : -1,
      col < grid.cols - 1 ? node + 1 : -1,
    ];
    for (const next of neighbours) {
      if (next < 0 || mask[next] !== 1 || component[next] === 1) continue;
      component[next] = 1;
      stack.push(next);
    }
  }
  return component;
}

/** How many of the four grid corners are 1 in `mask` (MaskCut's object-centric prior). */
export function countCornersSet(mask: Uint8Array, grid: PatchGrid): number {
  ensureGrid(grid, mask.length);
  const last = grid.rows * grid.cols - 1;
  const corners = [0, grid.cols - 1, last - (grid.cols - 1), last];
  return corners.reduce((count, index) => count + (mask[index] === 1 ? 1 : 0), 0);
}
