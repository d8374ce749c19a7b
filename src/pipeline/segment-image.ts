/**
 * Algorithm 1 end to end for one image: explain (IG x NoiseTunnel), optionally fuse with the ViT feature map,
 * turn the map into a mask (morphology or Normalized Cut) and refine it with DenseCRF.
 */
import { resizeImageBilinear, resizeMapBilinear, type ImageTensor, type Mask, type ProgressCallback, type ScalarMap } from '../core/index.js';
import { darkBorderRegions, toGrayscale } from '../postprocess/index.js';
import { patchKeysFor } from './baseline-keys.js';
import type { PipelineConfig } from './config.js';
import { explainImage, type ExplainContext, type ImageExplanation } from './explain-image.js';
import { maskFromMap, refineWithCrf, upsampleMask, type MaskInputs } from './mask-from-map.js';

export interface SegmentationResult {
  readonly explanation: ImageExplanation;
  /** The map the mask was cut from (relevance, or fused), at the original size. */
  readonly map: ScalarMap;
  /** The mask before DenseCRF and the final one, both at the original size. */
  readonly maskBeforeCrf: Mask;
  readonly mask: Mask;
  readonly timingsMs: Record<string, number>;
}

/** Last-block keys without CLS, [patches, heads * headDim], as TokenCut concatenates them. */
export async function patchKeys(context: Pick<ExplainContext, 'model' | 'head'>, image: ImageTensor): Promise<NonNullable<MaskInputs['keys']>> {
  const { keys, grid } = await patchKeysFor(image, { model: context.model, normalisation: context.head.normalisation });
  return { data: keys, grid };
}

/** Zero a map, or clear a mask, where `artefacts` is set (same grid); returns the input when there are none. */
function withoutArtefacts<T extends ScalarMap | Mask>(target: T, artefacts: Mask | undefined): T {
  if (!artefacts) return target;
  const data = target.data.slice() as T['data'];
  for (let i = 0; i < data.length; i++) if (artefacts.data[i]) data[i] = 0;
  return { ...target, data };
}

/**
 * Steps 4-5 from a finished explanation, so several variants can share one (expensive) explanation.
 * Masks are cut on the backbone's input grid (morphology sizes are in those pixels), then brought to the
 * original size and refined there.
 */
export function segmentFromExplanation(
  image: ImageTensor,
  explanation: Pick<ImageExplanation, 'relevance' | 'fused'>,
  options: { config: PipelineConfig; keys?: MaskInputs['keys']; grid: { rows: number; cols: number } },
): Omit<SegmentationResult, 'explanation'> {
  const { config, grid } = options;
  const started = performance.now();
  const map = config.fusion.enabled ? explanation.fused : explanation.relevance.original;
  const gridImage = resizeImageBilinear(image, grid.rows, grid.cols);
  const artefacts = config.mask.darkBorderThreshold > 0 ? darkBorderRegions(toGrayscale(gridImage), { threshold: config.mask.darkBorderThreshold }) : undefined;
  const inputs: MaskInputs = {
    map: withoutArtefacts(resizeMapBilinear(map, grid.rows, grid.cols), artefacts),
    image: gridImage,
    ...(options.keys ? { keys: options.keys } : {}),
  };
  const gridMask = withoutArtefacts(maskFromMap(inputs, config.mask.method, config.mask), artefacts);
  const maskBeforeCrf = upsampleMask(gridMask, image.rows, image.cols);
  const afterCut = performance.now();
  const refined = config.crf.enabled ? refineWithCrf(image, maskBeforeCrf, config.crf) : maskBeforeCrf;
  const mask = artefacts ? withoutArtefacts(refined, upsampleMask(artefacts, image.rows, image.cols)) : refined;
  const done = performance.now();
  // The crf timing exists only when the step ran, so callers can tell a skipped step from a fast one.
  return { map, maskBeforeCrf, mask, timingsMs: { mask: afterCut - started, ...(config.crf.enabled ? { crf: done - afterCut } : {}) } };
}

/**
 * One image through the whole method with the context's config.
 *
 * @example const { mask } = await segmentImage(await readImage('polyp.jpg'), { model, head, config: resolveConfig('xncut') });
 */
export async function segmentImage(image: ImageTensor, context: ExplainContext, onProgress?: ProgressCallback): Promise<SegmentationResult> {
  const explanation = await explainImage(image, context, onProgress);
  const { model, config } = context;
  const needsKeys = config.mask.method === 'ncut' && config.mask.ncut.graph === 'patch';
  const keys = needsKeys ? await patchKeys(context, image) : undefined;
  const result = segmentFromExplanation(image, explanation, { config, grid: { rows: model.rows, cols: model.cols }, ...(keys ? { keys } : {}) });
  return { explanation, ...result, timingsMs: { ...explanation.timingsMs, ...result.timingsMs } };
}
