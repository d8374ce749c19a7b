/**
 * Algorithm 1 end to end for one image: explain (IG x NoiseTunnel), optionally fuse with the ViT feature map,
 * turn the map into a mask (morphology or Normalized Cut) and refine it with DenseCRF.
 */
import { createStopwatch, resizeImageBilinear, resizeMapBilinear, resizeMaskSmooth, type ImageTensor, type Mask, type ProgressCallback, type ScalarMap } from '../../core/index.js';
import { darkBorderRegions, toGrayscale } from '../../postprocess/index.js';
import { patchKeysFor } from '../model/index.js';
import type { PipelineConfig } from '../config/index.js';
import { explainImage, type ExplainContext, type ImageExplanation } from './explain-image.js';
import { maskFromMap, refineWithCrf, type MaskInputs } from './mask-from-map.js';
import { anyNeedsPatchKeys, mapToCut } from './needs.js';

/** What steps 4-5 read: the map to cut at the original size and, for the patch graph, the last-block keys. */
export interface CutInputs {
  readonly map: ScalarMap;
  readonly keys?: MaskInputs['keys'];
}

export interface CutResult {
  /** The map the mask was cut from (relevance, or fused), at the original size. */
  readonly map: ScalarMap;
  /** The mask before DenseCRF and the final one, both at the original size. */
  readonly maskBeforeCrf: Mask;
  readonly mask: Mask;
  /** mask, and crf only when the CRF step ran (so a skipped step is told from a fast one). */
  readonly timingsMs: Record<string, number>;
}

export interface SegmentationResult extends CutResult {
  readonly explanation: ImageExplanation;
}

/** Last-block keys without CLS, [patches, heads * headDim], as TokenCut concatenates them. */
export async function patchKeys(context: Pick<ExplainContext, 'model' | 'head'>, image: ImageTensor): Promise<NonNullable<MaskInputs['keys']>> {
  const { keys, grid } = await patchKeysFor(image, { model: context.model, normalisation: context.head.normalisation });
  return { data: keys, grid };
}

/** The keys when one of the configs needs them (computed once for all of them), else undefined. */
export async function patchKeysIfNeeded(context: Pick<ExplainContext, 'model' | 'head'>, image: ImageTensor, configs: readonly PipelineConfig[]): Promise<MaskInputs['keys']> {
  return anyNeedsPatchKeys(configs) ? patchKeys(context, image) : undefined;
}

/** Zero a map, or clear a mask, where `artefacts` is set (same grid); returns the input when there are none. */
function withoutArtefacts<T extends ScalarMap | Mask>(target: T, artefacts: Mask | undefined): T {
  if (!artefacts) return target;
  const data = target.data.slice() as T['data'];
  for (let i = 0; i < data.length; i++) if (artefacts.data[i]) data[i] = 0;
  return { ...target, data };
}

/**
 * Steps 4-5 on the chosen map. Masks are cut on the backbone's input grid (morphology sizes are in those
 * pixels), then brought to the original size and refined there.
 */
export function cutAndRefine(image: ImageTensor, inputs: CutInputs, options: { config: PipelineConfig; grid: { rows: number; cols: number } }): CutResult {
  const { config, grid } = options;
  const clock = createStopwatch();
  const gridImage = resizeImageBilinear(image, grid.rows, grid.cols);
  const artefacts = config.mask.darkBorderThreshold > 0 ? darkBorderRegions(toGrayscale(gridImage), { threshold: config.mask.darkBorderThreshold }) : undefined;
  const maskInputs: MaskInputs = {
    map: withoutArtefacts(resizeMapBilinear(inputs.map, grid.rows, grid.cols), artefacts),
    image: gridImage,
    ...(inputs.keys ? { keys: inputs.keys } : {}),
  };
  const gridMask = withoutArtefacts(maskFromMap(maskInputs, config.mask.method, config.mask), artefacts);
  const maskBeforeCrf = resizeMaskSmooth(gridMask, image.rows, image.cols);
  clock.lap('mask');
  if (!config.crf.enabled) return { map: inputs.map, maskBeforeCrf, mask: maskBeforeCrf, timingsMs: { mask: clock.timings.mask! } };
  const refined = refineWithCrf(image, maskBeforeCrf, config.crf);
  const mask = artefacts ? withoutArtefacts(refined, resizeMaskSmooth(artefacts, image.rows, image.cols)) : refined;
  clock.lap('crf');
  return { map: inputs.map, maskBeforeCrf, mask, timingsMs: { mask: clock.timings.mask!, crf: clock.timings.crf! } };
}

/** Steps 4-5 from a finished explanation, so several variants can share one (expensive) explanation. */
export function segmentFromExplanation(
  image: ImageTensor,
  explanation: Pick<ImageExplanation, 'relevance' | 'fused'>,
  options: { config: PipelineConfig; keys?: MaskInputs['keys']; grid: { rows: number; cols: number } },
): CutResult {
  const { config, grid, keys } = options;
  return cutAndRefine(image, { map: mapToCut(explanation, config), ...(keys ? { keys } : {}) }, { config, grid });
}

/**
 * Steps 1-3 for one image and everything steps 4-5 will read: the explanation, the map to cut and the keys
 * when the config needs them. Runs that cut elsewhere (a worker thread) start from here.
 */
export async function explainForCut(image: ImageTensor, context: ExplainContext, onProgress?: ProgressCallback): Promise<{ explanation: ImageExplanation; cut: CutInputs }> {
  const explanation = await explainImage(image, context, onProgress);
  const keys = await patchKeysIfNeeded(context, image, [context.config]);
  return { explanation, cut: { map: mapToCut(explanation, context.config), ...(keys ? { keys } : {}) } };
}

/**
 * One image through the whole method with the context's config.
 *
 * @example const { mask } = await segmentImage(await readImage('polyp.jpg'), { model, head, config: resolveConfig('xncut') });
 */
export async function segmentImage(image: ImageTensor, context: ExplainContext, onProgress?: ProgressCallback): Promise<SegmentationResult> {
  const { explanation, cut } = await explainForCut(image, context, onProgress);
  const result = cutAndRefine(image, cut, { config: context.config, grid: { rows: context.model.rows, cols: context.model.cols } });
  return { explanation, ...result, timingsMs: { ...explanation.timingsMs, ...result.timingsMs } };
}
