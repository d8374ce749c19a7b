/**
 * Relevance without gradients: a linear classifier applied to every last-layer patch token, the CLS head
 * (the ViT analogue of CAM, Zhou et al., CVPR 2016; the patch tokens share the CLS token's final LayerNorm)
 * or a multiple-instance token head trained on the image labels. One forward pass instead of IG's hundreds of
 * gradient evaluations; issue 14 measures both against IG (docs/results.md, "Maps before masks").
 */
import { createImageTensor, resizeMapBilinear, type ImageTensor, type PatchGrid, type ScalarMap } from '../../core/index.js';
import { normalizeMinMax } from '../../features/index.js';
import { predictHead, type LinearHead } from '../../head/index.js';
import { tokenEvidenceMap } from './map-sources.js';

/** What explainImage takes from an attribution step (its ImageExplanation fields of the same names). */
export interface RelevanceStep {
  readonly attribution: ImageTensor;
  readonly convergence: { readonly deltas: number[]; readonly meanAbsDelta: number; readonly scoreDifference: number; readonly relativeDelta: number };
  readonly relevance: { readonly input: ScalarMap; readonly original: ScalarMap };
}

/**
 * A linear classifier's per-token evidence (log-odds of `target`) as relevance, in the shape of an IG result:
 * no attribution (zeros) and no quadrature error. `linear` is the CLS head ('patch-logits') or a
 * multiple-instance token head ('token-head', head/token-head.ts).
 */
export function tokenMapRelevance(
  patchTokens: Float32Array,
  context: { linear: LinearHead; target: number; grid: PatchGrid; input: { rows: number; cols: number }; original: { rows: number; cols: number } },
): RelevanceStep {
  const { linear, target, grid, input, original } = context;
  const evidence = tokenEvidenceMap(predictHead(linear, patchTokens), { classes: linear.classes.length, target, grid });
  const relevanceInput: ScalarMap = normalizeMinMax(resizeMapBilinear(evidence, input.rows, input.cols));
  return {
    attribution: createImageTensor(3, input.rows, input.cols),
    convergence: { deltas: [], meanAbsDelta: 0, scoreDifference: 0, relativeDelta: 0 },
    relevance: { input: relevanceInput, original: resizeMapBilinear(relevanceInput, original.rows, original.cols) },
  };
}
