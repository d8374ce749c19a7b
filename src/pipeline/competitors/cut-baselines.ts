/**
 * The unsupervised competitors on our backbone, same data and metrics as the four variants: TokenCut
 * (Wang et al., CVPR 2022) and MaskCut (Wang et al., "Cut and Learn", CVPR 2023) on the keys of the last
 * ViT block. The cut rules live in src/ncut; this file resizes, upsamples and refines.
 */
import {
  createMask, createScalarMap, createStopwatch, ensureNumber, ensureOneOf, resizeMaskNearest, resizeMaskSmooth,
  type ImageTensor, type Mask, type ScalarMap,
} from '../../core/index.js';
import { maskCutCrfPreset, refineMaskCrf, type RefineCrfOptions } from '../../crf/index.js';
import { iou } from '../../metrics/index.js';
import { maskCut, tokenCut, type MaskCutOptions, type TokenCutOptions } from '../../ncut/index.js';
import { fillHoles } from '../../postprocess/index.js';
import { asThreeChannels, patchKeysFor, type PatchKeysRequest } from '../model/index.js';

export type MaskUpsampling = 'nearest' | 'bilinear';
export const MASK_UPSAMPLINGS: readonly MaskUpsampling[] = ['nearest', 'bilinear'];

export interface TokenCutBaselineContext extends PatchKeysRequest {
  /** Cut options (defaults tau 0.2, eps 1e-5, TokenCut's eigen-peak rule). */
  readonly tokenCut?: TokenCutOptions;
  /** 'nearest' (default) or 'bilinear' of the 0/1 patch indicator, then > 0.5. */
  readonly upsample?: MaskUpsampling;
  /** CRF on the original image; off by default (TokenCut has none), `{}` for CRF_DEFAULTS. */
  readonly crf?: RefineCrfOptions | false;
}

export interface TokenCutBaselineResult {
  /** Final mask at the original image size (after the CRF when one ran). */
  readonly mask: Mask;
  readonly patchMask: Mask;
  /** Second-smallest generalized eigenvector on the patch grid, signed so the foreground seed is positive. */
  readonly eigenvector: ScalarMap;
  readonly timingsMs: Record<string, number>;
}

/** A patch mask at the image size: nearest, or the bilinear indicator above one half (smoother edges). */
export function upsamplePatchMask(patchMask: Mask, rows: number, cols: number, mode: MaskUpsampling = 'nearest'): Mask {
  ensureOneOf(mode, 'the mask upsampling', MASK_UPSAMPLINGS);
  if (mode === 'nearest') return resizeMaskNearest(patchMask, rows, cols);
  return resizeMaskSmooth(patchMask, rows, cols);
}

/**
 * TokenCut baseline (Wang et al., "Self-Supervised Transformers for Unsupervised Object Discovery using
 * Normalized Cut", CVPR 2022): last-block keys concatenated over heads, binary cosine graph, second-smallest
 * eigenvector split at its mean, the side with the largest |y| and the seed's 4-connected component, then
 * upsampled to the original size and optionally refined by a dense CRF on the original image.
 *
 * @example (await tokenCutBaseline(image, { model })).mask // image.rows x image.cols
 */
export async function tokenCutBaseline(image: ImageTensor, context: TokenCutBaselineContext): Promise<TokenCutBaselineResult> {
  const clock = createStopwatch();
  const { keys, grid, timingsMs } = await patchKeysFor(image, context);
  clock.lap('keys');
  const cut = tokenCut(keys, grid, context.tokenCut);
  const sign = cut.eigenvector[cut.seed]! < 0 ? -1 : 1;
  const eigenvector = createScalarMap(grid.rows, grid.cols, Float32Array.from(cut.eigenvector, (v) => sign * v));
  clock.lap('cut');
  let mask = upsamplePatchMask(cut.mask, image.rows, image.cols, context.upsample);
  clock.lap('upsample');
  if (context.crf) mask = refineMaskCrf(asThreeChannels(image), mask, context.crf).mask;
  clock.lap('crf');
  const { cut: cutMs, upsample, crf, total } = clock.timings;
  return { mask, patchMask: cut.mask, eigenvector, timingsMs: { ...timingsMs, cut: cutMs!, upsample: upsample!, crf: crf!, total: total! } };
}

export interface MaskCutBaselineContext extends PatchKeysRequest {
  /** Cut options (defaults tau 0.15, maxMasks 3 and CutLER's overlap, area and corner rules). */
  readonly maskCut?: MaskCutOptions;
  /** CRF per mask at the model input size; default CutLER's preset (maskCutCrfPreset); false skips it. */
  readonly crf?: RefineCrfOptions | false;
  /** A mask whose CRF result has IoU below this with the pre-CRF mask is dropped (CutLER: 0.5). */
  readonly minCrfIou?: number;
}

export interface MaskCutCrfOutcome {
  /** The CRF mask with its holes filled. */
  readonly mask: Mask;
  /** IoU between that mask and the mask before the CRF. */
  readonly iou: number;
  readonly kept: boolean;
}

export interface MaskCutBaselineResult {
  /** Kept masks at the original image size, in discovery order. */
  readonly masks: Mask[];
  /** All MaskCut stages on the patch grid, dropped ones included. */
  readonly patchMasks: Mask[];
  /** Stage indices (into patchMasks) that the CRF rule dropped. */
  readonly dropped: number[];
  /** Union of the kept masks (empty when none): the binary prediction scored against the ground truth. */
  readonly union: Mask;
  readonly timingsMs: Record<string, number>;
}

/**
 * CutLER's post-processing of one MaskCut mask (Wang et al. 2023, maskcut.py): dense CRF with the MaskCut
 * preset, `binary_fill_holes`, and the mask is dropped when IoU(CRF mask, pre-CRF mask) < minIou (0.5),
 * since a CRF that moves a mask that much means the cut did not follow an image boundary.
 */
export function refineMaskCutMask(image: ImageTensor, mask: Mask, options: { crf?: RefineCrfOptions; minIou?: number } = {}): MaskCutCrfOutcome {
  const minIou = ensureNumber(options.minIou ?? 0.5, 'the minimum CRF IoU', { min: 0, max: 1 });
  const refined = fillHoles(refineMaskCrf(image, mask, options.crf ?? maskCutCrfPreset).mask);
  const agreement = iou(refined, mask, { emptyGroundTruth: 'one-if-empty-prediction' });
  return { mask: refined, iou: agreement, kept: agreement >= minIou };
}

/**
 * MaskCut baseline (Wang et al., "Cut and Learn for Unsupervised Object Detection and Instance
 * Segmentation", CVPR 2023, sec. 3.1): up to maxMasks Normalized Cuts on the last-block keys at the model
 * input (480 x 480 in CutLER), each mask refined as CutLER does at that size (see refineMaskCutMask), then
 * resized to the original image (nearest).
 *
 * @example (await maskCutBaseline(image, { model: model480 })).union
 */
export async function maskCutBaseline(image: ImageTensor, context: MaskCutBaselineContext): Promise<MaskCutBaselineResult> {
  const clock = createStopwatch();
  const { keys, grid, resized, timingsMs } = await patchKeysFor(image, context);
  clock.lap('keys');
  const patchMasks = maskCut(keys, grid, { tau: 0.15, ...context.maskCut }).masks;
  clock.lap('cut');
  const masks: Mask[] = [];
  const dropped: number[] = [];
  patchMasks.forEach((patchMask, stage) => {
    const atInput = resizeMaskNearest(patchMask, resized.rows, resized.cols);
    const outcome = context.crf === false
      ? { mask: atInput, kept: true }
      : refineMaskCutMask(resized, atInput, { crf: context.crf ?? maskCutCrfPreset, ...(context.minCrfIou === undefined ? {} : { minIou: context.minCrfIou }) });
    if (outcome.kept) masks.push(resizeMaskNearest(outcome.mask, image.rows, image.cols));
    else dropped.push(stage);
  });
  clock.lap('crf');
  const { cut, crf, total } = clock.timings;
  return { masks, patchMasks, dropped, union: unionOfMasks(masks, image.rows, image.cols), timingsMs: { ...timingsMs, cut: cut!, crf: crf!, total: total! } };
}

/** Pixelwise OR; an empty list gives an empty rows x cols mask. */
export function unionOfMasks(masks: readonly Mask[], rows: number, cols: number): Mask {
  const union = createMask(rows, cols);
  for (const mask of masks) mask.data.forEach((v, i) => { if (v) union.data[i] = 1; });
  return union;
}

export interface BestSingleMask {
  /** Index into `masks`, -1 when there were none (then `mask` is empty). */
  readonly index: number;
  readonly mask: Mask;
  readonly score: number;
}

/**
 * The oracle "best single mask" score reported next to the union for instance-style baselines: the mask
 * scoring highest against the ground truth (ties keep the earlier mask). It uses the ground truth, so it
 * is an upper bound on picking one mask, not a prediction.
 *
 * @example bestSingleMask(result.masks, gt).score
 */
export function bestSingleMask(masks: readonly Mask[], gt: Mask, score: (pred: Mask, gt: Mask) => number = iou): BestSingleMask {
  if (masks.length === 0) {
    const empty = createMask(gt.rows, gt.cols);
    return { index: -1, mask: empty, score: score(empty, gt) };
  }
  let best: BestSingleMask = { index: 0, mask: masks[0]!, score: score(masks[0]!, gt) };
  for (let index = 1; index < masks.length; index++) {
    const value = score(masks[index]!, gt);
    if (value > best.score) best = { index, mask: masks[index]!, score: value };
  }
  return best;
}
