/**
 * Scores of a continuous map (relevance, feature map, prior) against a binary ground truth that do not
 * depend on any cut: how well the map ranks lesion pixels above the rest (ROC AUC) and whether its peak lies
 * on the lesion (the pointing game). A map that fails here cannot give a good mask whatever the cut.
 */
import { ensureMap, ensureMask, ensureSameSize, invalid, type Mask, type ScalarMap } from '../core/index.js';

function checkPair(map: ScalarMap, gt: Mask): void {
  ensureMap(map, 'the map to score');
  ensureMask(gt, 'the ground-truth mask');
  ensureSameSize(gt, map, 'the map to score (ground-truth size)');
}

/**
 * Pixel-level ROC AUC of `map` as a score for `gt`'s foreground: the probability that a random foreground
 * pixel has a higher value than a random background pixel, ties counting one half. Computed exactly as the
 * Mann-Whitney U statistic with midranks (H. B. Mann & D. R. Whitney, Ann. Math. Stat. 18(1), 1947;
 * J. A. Hanley & B. J. McNeil, Radiology 143(1), 1982): AUC = (R+ - n+ (n+ + 1) / 2) / (n+ n-), where R+ is
 * the sum of the foreground pixels' midranks. A constant map scores 0.5; the inverted map scores 1 - AUC.
 *
 * Rule for a degenerate ground truth: an empty mask (a healthy image) or a full one has no pixel pair to
 * rank, so the AUC is undefined and the function returns NaN; reductions (MapScoreMetrics) leave such
 * images out of the mean and count them as skipped. NaN map values are an error of the caller's map.
 *
 * @example mapRocAuc(map([0.1, 0.4, 0.35, 0.8]), mask([0, 0, 1, 1])) // 0.75
 */
export function mapRocAuc(map: ScalarMap, gt: Mask): number {
  checkPair(map, gt);
  const { positives, negatives } = splitByMask(map, gt);
  if (positives.length === 0 || negatives.length === 0) return Number.NaN;
  positives.sort();
  negatives.sort();
  return rankSumOfPositives(positives, negatives) / (positives.length * negatives.length);
}

function splitByMask(map: ScalarMap, gt: Mask): { positives: Float64Array; negatives: Float64Array } {
  let count = 0;
  for (let i = 0; i < gt.data.length; i++) if (gt.data[i] !== 0) count++;
  const positives = new Float64Array(count);
  const negatives = new Float64Array(gt.data.length - count);
  let p = 0;
  let n = 0;
  for (let i = 0; i < gt.data.length; i++) {
    const value = map.data[i]!;
    if (Number.isNaN(value)) throw invalid('a number', `pixel ${i} of the map to score`, value);
    if (gt.data[i] !== 0) positives[p++] = value;
    else negatives[n++] = value;
  }
  return { positives, negatives };
}

/**
 * U = sum over foreground pixels of (background pixels below it + half the background pixels equal to it),
 * read off a merge of the two sorted arrays: the midrank formula without building the ranks.
 */
function rankSumOfPositives(positives: Float64Array, negatives: Float64Array): number {
  let u = 0;
  let below = 0;
  let i = 0;
  while (i < positives.length) {
    const value = positives[i]!;
    let tiedPositives = 0;
    while (i < positives.length && positives[i] === value) {
      tiedPositives++;
      i++;
    }
    while (below < negatives.length && negatives[below]! < value) below++;
    let equal = 0;
    while (below + equal < negatives.length && negatives[below + equal] === value) equal++;
    u += tiedPositives * (below + equal / 2);
  }
  return u;
}

/**
 * The pointing game (J. Zhang et al., "Top-down neural attention by excitation backprop", ECCV 2016,
 * without the 15-pixel tolerance): 1 when the map's maximum lies on the foreground, 0 when it does not.
 *
 * Rule for ties: when several pixels share the maximum, the score is the fraction of them that lie on the
 * foreground: the expected hit of breaking the tie uniformly at random. So a constant map (every pixel a
 * maximum) scores the foreground fraction, which is chance, not a hit. Rule for an empty mask: NaN (no lesion
 * to point at; reductions skip the image). A full mask scores 1.
 *
 * @example pointingGame(map([0.1, 0.9, 0.9, 0.2]), mask([0, 1, 0, 0])) // 0.5
 */
export function pointingGame(map: ScalarMap, gt: Mask): number {
  checkPair(map, gt);
  let max = -Infinity;
  for (const value of map.data) if (value > max) max = value;
  let peaks = 0;
  let hits = 0;
  let foreground = 0;
  for (let i = 0; i < map.data.length; i++) {
    if (gt.data[i] !== 0) foreground++;
    if (map.data[i] !== max) continue;
    peaks++;
    if (gt.data[i] !== 0) hits++;
  }
  if (foreground === 0) return Number.NaN;
  if (peaks === 0) throw invalid('at least one value that is not NaN', 'the map to score', Number.NaN);
  return hits / peaks;
}
