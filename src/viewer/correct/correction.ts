/**
 * Interactive correction of one image of a run: positive and negative clicks become hard seeds of a seeded
 * cut over the run's cached soft map (RUN/ID/map.png) and the image, then DenseCRF refines the result and
 * the seeds are enforced once more. The algorithms are injected (the CLI passes ncut's random walker and
 * crf's refineMaskCrf), so the viewer stays above the stages without importing them; pictures are read
 * and written with src/data. An accepted correction goes to RUN/corrected/ID.png plus ID.json (the clicks),
 * atomically, never over the run's own mask.
 */
import {
  createMask, createScalarMap, ensure, ensureInteger, resizeImageBilinear, resizeMapBilinear, resizeMaskNearest,
  writeJsonAtomic, type ImageTensor, type Mask, type ScalarMap,
} from '../../core/index.js';
import { correctedMaskFile, correctionLogFile, readImage, readMask, writeMaskPng } from '../../data/index.js';
import { calibratedPrior, clickPriorWeights, seedGrid, type Click, type SeedGrid } from './seeds.js';

export type { Click, SeedGrid } from './seeds.js';

/** The algorithms a correction runs, injected by the caller. */
export interface CorrectionStages {
  /** Seeded cut: foreground probability from the image, a prior, per-pixel prior weights and hard seeds. */
  walk(image: ImageTensor, input: { prior: ScalarMap; priorWeight: ScalarMap; seeds: SeedGrid }): ScalarMap;
  /** Refinement of a foreground probability into a mask (DenseCRF), given the run's CRF settings. */
  refine?(image: ImageTensor, probability: ScalarMap, crf: Readonly<Record<string, unknown>> | undefined): Mask;
}

export interface CorrectionSettings {
  /** Longest side the seeded cut runs at (default 160); the CRF runs at up to `refineSide`. */
  readonly walkSide?: number;
  /** Longest side of the CRF (default 512); larger images get the mask resized back (nearest). */
  readonly refineSide?: number;
  /** Prior weight far from every click (default 0.01). */
  readonly priorWeight?: number;
  /** How far a click frees the prior, as a share of the longest side (default 0.12). */
  readonly clickReach?: number;
  /** Radius of a click's hard seed, as a share of the longest side (default 0.015, at least 1 pixel). */
  readonly clickRadius?: number;
}

/** Where a correction reads its inputs: all files the run itself names. */
export interface CorrectionInputs {
  readonly imagePath: string;
  readonly mapPath: string;
  readonly maskPath: string;
  /** The run's CRF settings from run.json (`enabled: false` skips the CRF). */
  readonly crf?: Readonly<Record<string, unknown>> & { readonly enabled?: unknown };
}

export interface CorrectionResult {
  /** At the image's own size. */
  readonly mask: Mask;
  readonly foregroundFraction: number;
  readonly clicks: readonly Click[];
}

export const CORRECTION_DEFAULTS: Readonly<Required<CorrectionSettings>> = Object.freeze({
  walkSide: 160, refineSide: 512, priorWeight: 0.01, clickReach: 0.12, clickRadius: 0.015,
});

/** Decoded inputs of one image, kept by the caller between clicks (reading them is most of the cost). */
export interface LoadedCorrection {
  readonly image: ImageTensor;
  readonly map: ScalarMap;
  readonly mask: Mask;
  readonly crf: CorrectionInputs['crf'];
}

/** Reads the image, the run's soft map and the run's mask, all at the image's size. */
export async function loadCorrectionInputs(inputs: CorrectionInputs): Promise<LoadedCorrection> {
  const image = await readImage(inputs.imagePath);
  const mapImage = await readImage(inputs.mapPath);
  let map = createScalarMap(mapImage.rows, mapImage.cols, mapImage.data.slice(0, mapImage.rows * mapImage.cols));
  if (map.rows !== image.rows || map.cols !== image.cols) map = resizeMapBilinear(map, image.rows, image.cols);
  let mask = await readMask(inputs.maskPath);
  if (mask.rows !== image.rows || mask.cols !== image.cols) mask = resizeMaskNearest(mask, image.rows, image.cols);
  return { image, map, mask, crf: inputs.crf };
}

function scaledSize(rows: number, cols: number, side: number): { rows: number; cols: number } {
  const scale = Math.min(1, side / Math.max(rows, cols));
  return { rows: Math.max(1, Math.round(rows * scale)), cols: Math.max(1, Math.round(cols * scale)) };
}

/**
 * The corrected mask for these clicks. No clicks give the run's own mask back unchanged (reset).
 * Click coordinates are pixels of the original image (row, col).
 */
export function correctMask(loaded: LoadedCorrection, clicks: readonly Click[], stages: CorrectionStages, settings: CorrectionSettings = {}): CorrectionResult {
  const options = resolveSettings(settings);
  const { image, map, mask } = loaded;
  clicks.forEach((click, k) => ensureClick(click, image, `click ${k + 1}`));
  if (clicks.length === 0) return { mask, foregroundFraction: fraction(mask), clicks };
  const walkSize = scaledSize(image.rows, image.cols, options.walkSide);
  const walked = walkAt(loaded, clicks, stages, { size: walkSize, options });
  const refineSize = scaledSize(image.rows, image.cols, options.refineSide);
  const refineImage = sameSize(image, refineSize) ? image : resizeImageBilinear(image, refineSize.rows, refineSize.cols);
  const probability = resizeMapBilinear(walked, refineSize.rows, refineSize.cols);
  const crfOn = stages.refine !== undefined && loaded.crf?.enabled !== false;
  let refined = crfOn ? stages.refine!(refineImage, probability, loaded.crf) : thresholded(probability);
  refined = enforceSeeds(refined, seedGrid(refineSize, scaleClicks(clicks, image, refineSize), seedRadius(refineSize, options)));
  const full = sameSize(refined, image) ? refined : resizeMaskNearest(refined, image.rows, image.cols);
  const result = enforceSeeds(full, seedGrid(image, clicks, seedRadius(image, options)));
  return { mask: result, foregroundFraction: fraction(result), clicks };
}

function walkAt(loaded: LoadedCorrection, clicks: readonly Click[], stages: CorrectionStages, at: { size: { rows: number; cols: number }; options: Required<CorrectionSettings> }): ScalarMap {
  const { image, map, mask } = loaded;
  const { size, options } = at;
  const small = sameSize(image, size) ? image : resizeImageBilinear(image, size.rows, size.cols);
  const smallMap = sameSize(map, size) ? map : resizeMapBilinear(map, size.rows, size.cols);
  const smallMask = sameSize(mask, size) ? mask : resizeMaskNearest(mask, size.rows, size.cols);
  const scaled = scaleClicks(clicks, image, size);
  const reach = options.clickReach * Math.max(size.rows, size.cols);
  return stages.walk(small, {
    prior: calibratedPrior(smallMap, smallMask),
    priorWeight: clickPriorWeights(size, scaled, { weight: options.priorWeight, reach }),
    seeds: seedGrid(size, scaled, seedRadius(size, options)),
  });
}

function resolveSettings(settings: CorrectionSettings): Required<CorrectionSettings> {
  const options = { ...CORRECTION_DEFAULTS, ...Object.fromEntries(Object.entries(settings).filter(([, v]) => v !== undefined)) };
  ensureInteger(options.walkSide, 'the correction walk side', { min: 8, max: 4096 });
  ensureInteger(options.refineSide, 'the correction refine side', { min: 8, max: 8192 });
  for (const key of ['priorWeight', 'clickReach', 'clickRadius'] as const) {
    ensure(Number.isFinite(options[key]) && options[key] >= 0, 'a finite number >= 0', `the correction ${key}`, options[key]);
  }
  return options;
}

/** Throws InvalidArgumentError unless the click is a labelled pixel of the image. */
export function ensureClick(click: Click, grid: { rows: number; cols: number }, what: string): void {
  ensure(typeof click === 'object' && click !== null, 'an object { row, col, label }', what, click);
  ensureInteger(click.row, `the row of ${what}`, { min: 0, max: grid.rows - 1 });
  ensureInteger(click.col, `the col of ${what}`, { min: 0, max: grid.cols - 1 });
  ensure(click.label === 0 || click.label === 1, '0 (background) or 1 (foreground)', `the label of ${what}`, click.label);
}

function scaleClicks(clicks: readonly Click[], from: { rows: number; cols: number }, to: { rows: number; cols: number }): Click[] {
  return clicks.map((click) => ({
    row: Math.min(to.rows - 1, Math.floor(((click.row + 0.5) * to.rows) / from.rows)),
    col: Math.min(to.cols - 1, Math.floor(((click.col + 0.5) * to.cols) / from.cols)),
    label: click.label,
  }));
}

function seedRadius(size: { rows: number; cols: number }, options: Required<CorrectionSettings>): number {
  return Math.max(1, options.clickRadius * Math.max(size.rows, size.cols));
}

function sameSize(a: { rows: number; cols: number }, b: { rows: number; cols: number }): boolean {
  return a.rows === b.rows && a.cols === b.cols;
}

function thresholded(probability: ScalarMap): Mask {
  return createMask(probability.rows, probability.cols, Uint8Array.from(probability.data, (p) => (p > 0.5 ? 1 : 0)));
}

/** The mask with every seeded pixel set to its label: clicks are hard constraints, whatever the CRF did. */
function enforceSeeds(mask: Mask, seeds: SeedGrid): Mask {
  const data = mask.data.slice();
  for (let p = 0; p < data.length; p++) if (seeds.data[p] !== -1) data[p] = seeds.data[p]!;
  return createMask(mask.rows, mask.cols, data);
}

function fraction(mask: Mask): number {
  let on = 0;
  for (const v of mask.data) on += v;
  return on / mask.data.length;
}

/** What RUN/corrected/ID.json records next to the accepted mask. */
export interface CorrectionLog {
  readonly id: string;
  readonly clicks: readonly Click[];
  readonly acceptedAt: string;
  readonly settings: Required<CorrectionSettings>;
  readonly baseMask: string;
  readonly foregroundFraction: number;
}

/** Writes RUN/corrected/ID.png and then ID.json, each atomically; returns both paths. */
export async function writeCorrection(runDir: string, id: string, result: CorrectionResult, settings: CorrectionSettings = {}): Promise<{ mask: string; log: string }> {
  const paths = { mask: correctedMaskFile(runDir, id), log: correctionLogFile(runDir, id) };
  await writeMaskPng(paths.mask, result.mask);
  const log: CorrectionLog = {
    id, clicks: result.clicks, acceptedAt: new Date().toISOString(), settings: resolveSettings(settings),
    baseMask: `${id}/mask.png`, foregroundFraction: result.foregroundFraction,
  };
  await writeJsonAtomic(paths.log, log);
  return paths;
}
