import { invalid, resizeImageBilinear, resizeMapBilinear, resizeMaskNearest, resizeMaskSmooth } from '../../core/index.js';
import type { ImageTensor, Mask, ScalarMap } from '../../core/index.js';
import { refineMaskCrf } from '../../crf/index.js';
import { segmentPixelsNormalizedCut, tokenCut } from '../../ncut/index.js';
import { maskFromMapMorphology } from '../../postprocess/index.js';
import type { CrfConfig, MaskMethod, MorphologyConfig, NcutConfig } from '../config/types.js';

/** What turning a map into a mask may use besides the map: the image on the map's grid, and the ViT keys. */
export interface MaskInputs {
  /** The relevance (or fused) map in [0, 1], on the backbone input grid. */
  readonly map: ScalarMap;
  /** The image resized to the map's grid, values in [0, 1]. */
  readonly image: ImageTensor;
  /** Last-block keys, [patches, dim] without CLS, for the patch graph. */
  readonly keys?: { readonly data: Float32Array; readonly grid: { rows: number; cols: number } };
}

/** Step 4 of Algorithm 1: the map becomes a mask on the map's grid, by morphology or by Normalized Cut. */
export function maskFromMap(inputs: MaskInputs, method: MaskMethod, config: { morphology: MorphologyConfig; ncut: NcutConfig }): Mask {
  if (method === 'morphology') return morphologyMask(inputs.map, config.morphology);
  return config.ncut.graph === 'patch' ? patchCutMask(inputs, config.ncut) : pixelCutMask(inputs, config.ncut);
}

function morphologyMask(map: ScalarMap, config: MorphologyConfig): Mask {
  const { minObjectFraction, ...chain } = config;
  return maskFromMapMorphology(map, { ...chain, minObjectSize: Math.round(minObjectFraction * map.rows * map.cols) }).mask;
}

/** Shi-Malik cut of a downsampled pixel grid of the map and the image; the side with higher mean relevance wins. */
function pixelCutMask(inputs: MaskInputs, config: NcutConfig): Mask {
  const { map, image } = inputs;
  const scale = Math.min(1, config.pixelGridSize / Math.max(map.rows, map.cols));
  const rows = Math.max(2, Math.round(map.rows * scale));
  const cols = Math.max(2, Math.round(map.cols * scale));
  const small = resizeMapBilinear(map, rows, cols);
  const { mask } = segmentPixelsNormalizedCut(small, {
    image: resizeImageBilinear(image, rows, cols),
    relevanceWeight: config.relevanceWeight,
    intensityWeight: config.intensityWeight,
    sigmaFeature: config.sigmaFeature,
    sigmaSpace: config.sigmaSpace,
    radius: config.radius,
    split: config.split,
    tolerance: 1e-6,
  });
  return resizeMaskSmooth(mask, map.rows, map.cols);
}

/** TokenCut's dense key graph on the patch grid, with relevance choosing the foreground side. */
function patchCutMask(inputs: MaskInputs, config: NcutConfig): Mask {
  if (!inputs.keys) throw invalid('the last-block keys', 'the patch NCut graph', inputs.keys);
  const { grid, data } = inputs.keys;
  const patchRelevance = resizeMapBilinear(inputs.map, grid.rows, grid.cols);
  const { mask } = tokenCut(data, grid, { tau: config.tau, rule: 'score', scores: patchRelevance.data, split: config.split, tolerance: 1e-6 });
  return resizeMaskSmooth(mask, inputs.map.rows, inputs.map.cols);
}

/**
 * Step 5: DenseCRF refinement on the original image, run at most `maxSide` pixels on the longer side (the
 * CRF's cost is linear in pixels; the mask is then brought back to full size).
 */
export function refineWithCrf(image: ImageTensor, mask: Mask, config: CrfConfig): Mask {
  const scale = Math.min(1, config.maxSide / Math.max(image.rows, image.cols));
  const rows = Math.max(1, Math.round(image.rows * scale));
  const cols = Math.max(1, Math.round(image.cols * scale));
  const smallImage = scale < 1 ? resizeImageBilinear(image, rows, cols) : image;
  const smallMask = mask.rows === rows && mask.cols === cols ? mask : resizeMaskNearest(mask, rows, cols);
  const { iterations, gaussian, bilateral, gtProb } = config;
  const refined = refineMaskCrf(smallImage, smallMask, { iterations, gaussian, bilateral, gtProb }).mask;
  return refined.rows === image.rows && refined.cols === image.cols ? refined : resizeMaskSmooth(refined, image.rows, image.cols);
}
