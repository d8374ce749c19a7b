/**
 * Pixel-level Normalized Cut of a relevance map: the graph, the cut, and the foreground side in one call.
 */
import { createMask, ensureMap } from '../core/index.js';
import type { Mask, ScalarMap } from '../core/index.js';
import { cutNormalized } from './cut-normalized.js';
import type { CutOptions, CutResult } from './cut-normalized.js';
import { chooseForeground } from './foreground.js';
import { affinityPixelGrid } from './pixel-graph.js';
import type { PixelGraphOptions } from './pixel-graph.js';

export interface PixelCutOptions extends PixelGraphOptions, CutOptions {}

export interface PixelCutResult {
  /** rows x cols: the side of the cut with the higher mean relevance. */
  readonly mask: Mask;
  readonly cut: CutResult;
}

/**
 * Shi-Malik Normalized Cut over pixels (Shi & Malik, PAMI 2000, sec. 3 and eq. 11) with the relevance
 * rule for the foreground: of the two sides, the one whose mean relevance is higher. A constant map has
 * no cut (early return: empty mask).
 *
 * @example segmentPixelsNormalizedCut(relevance, { image, radius: 5, split: 'sweep' }).mask
 */
export function segmentPixelsNormalizedCut(relevance: ScalarMap, options: PixelCutOptions = {}): PixelCutResult {
  ensureMap(relevance, 'the relevance map');
  const { image, relevanceWeight, intensityWeight, sigmaFeature, sigmaSpace, radius, ...cutOptions } = options;
  const graph = affinityPixelGrid(relevance, { image, relevanceWeight, intensityWeight, sigmaFeature, sigmaSpace, radius });
  const first = relevance.data[0]!;
  if (image === undefined && relevance.data.every((v) => v === first)) {
    const empty = new Uint8Array(graph.size);
    const cut: CutResult = {
      partition: empty, eigenvector: new Float64Array(graph.size), eigenvalue: 0, ncut: Infinity,
      threshold: 0, iterations: 0, converged: true, solver: 'dense',
    };
    return { mask: createMask(relevance.rows, relevance.cols, empty), cut };
  }
  const cut = cutNormalized(graph, cutOptions);
  const { side } = chooseForeground(cut.partition, cut.eigenvector, { rule: 'score', scores: relevance.data });
  return { mask: createMask(relevance.rows, relevance.cols, side), cut };
}
