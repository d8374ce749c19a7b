/**
 * Relevance without gradients: the classifier's linear head applied to every last-layer patch token (the ViT
 * analogue of CAM, Zhou et al., CVPR 2016; the patch tokens share the CLS token's final LayerNorm, so the head
 * reads them as it reads the CLS). One forward pass instead of IG's hundreds of gradient evaluations; issue
 * 14 measures it against IG with the map scores (docs/results.md, "Maps before masks").
 */
import { createImageTensor, resizeMapBilinear, type ImageTensor, type PatchGrid, type ScalarMap } from '../../core/index.js';
import { normalizeMinMax } from '../../features/index.js';
import { predictHead, type HeadModel } from '../../head/index.js';
import { tokenEvidenceMap } from './map-sources.js';

/** What explainImage takes from an attribution step (its ImageExplanation fields of the same names). */
export interface RelevanceStep {
  readonly attribution: ImageTensor;
  readonly convergence: { readonly deltas: number[]; readonly meanAbsDelta: number; readonly scoreDifference: number; readonly relativeDelta: number };
  readonly relevance: { readonly input: ScalarMap; readonly original: ScalarMap };
}

/** The patch-token relevance in the shape of an IG result: no attribution (zeros) and no quadrature error. */
export function patchLogitRelevance(
  patchTokens: Float32Array,
  context: { head: HeadModel; target: number; grid: PatchGrid; input: { rows: number; cols: number }; original: { rows: number; cols: number } },
): RelevanceStep {
  const { head, target, grid, input, original } = context;
  const evidence = tokenEvidenceMap(predictHead(head.head, patchTokens), { classes: head.head.classes.length, target, grid });
  const relevanceInput: ScalarMap = normalizeMinMax(resizeMapBilinear(evidence, input.rows, input.cols));
  return {
    attribution: createImageTensor(3, input.rows, input.cols),
    convergence: { deltas: [], meanAbsDelta: 0, scoreDifference: 0, relativeDelta: 0 },
    relevance: { input: relevanceInput, original: resizeMapBilinear(relevanceInput, original.rows, original.cols) },
  };
}
