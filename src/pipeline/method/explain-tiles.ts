/**
 * The tiled view of the explain stage, for images much larger than the backbone input: instead of shrinking
 * the whole frame to the input size (view 'resize'), cut it into overlapping tiles at the scale the patch
 * classifier was trained on, explain each tile with the same IG x NoiseTunnel, and stitch the per-tile
 * relevance with a smooth window, as sliding-window inference blends overlapping predictions (e.g. U-Net's
 * overlap-tile strategy, Ronneberger et al. 2015; MONAI's sliding_window_inference with a Gaussian/Hann blend).
 * Normalisation happens once on the stitched map, so tiles stay comparable: a tile without evidence stays dark
 * instead of being stretched to [0, 1] on its own.
 */
import {
  createImageTensor, createRng, createScalarMap, ensure, ensureInteger, ensureNumber, resizeImageBilinear, resizeMapBilinear,
  type ImageTensor, type ScalarMap,
} from '../../core/index.js';
import {
  normalizeByCumulativeSum, reduceChannels, resolveBaseline, smoothMap, type AttributionMethod, type BaselineSpec, type GradientFn,
} from '../../attribution/index.js';
import type { ExplainableModel } from '../../backbone/explainable-model.js';
import { cropImage, imageToBatch, patchSizeFor, resizeImage, type ChannelNormalisation, type CropRect } from '../../data/index.js';
import type { PipelineConfig } from '../config/types.js';

export interface TileGridOptions {
  /** Tile side in pixels (at most the image's short side). */
  readonly tileSize: number;
  /** Step between tile origins; default half the tile (50 % overlap). */
  readonly stride?: number;
}

/**
 * Square tiles that cover every pixel of a rows x cols image: origins every `stride` pixels along each axis,
 * plus one flush with the far edge when the regular steps fall short of it.
 * @example tileGrid(10, 10, { tileSize: 4, stride: 4 }) // origins 0, 4, 6 on each axis: 9 tiles
 */
export function tileGrid(rows: number, cols: number, options: TileGridOptions): CropRect[] {
  ensureInteger(rows, 'the image rows', { min: 1 });
  ensureInteger(cols, 'the image cols', { min: 1 });
  const size = ensureInteger(options.tileSize, 'the tile size', { min: 1, max: Math.min(rows, cols) });
  const stride = ensureInteger(options.stride ?? Math.max(1, Math.floor(size / 2)), 'the tile stride', { min: 1, max: size });
  const tops = axisOrigins(rows, size, stride);
  const lefts = axisOrigins(cols, size, stride);
  return tops.flatMap((top) => lefts.map((left) => ({ top, left, rows: size, cols: size })));
}

function axisOrigins(length: number, size: number, stride: number): number[] {
  const origins: number[] = [];
  for (let origin = 0; origin + size < length; origin += stride) origins.push(origin);
  origins.push(length - size);
  return origins;
}

/**
 * The blending weight of one tile: a separable Hann window sampled at pixel centres, sin^2(pi (i + 0.5) / size).
 * At 50 % overlap shifted Hann windows sum to a constant (a partition of unity), and the window is positive
 * everywhere, so pixels near the image border that only one tile's edge covers still get a value.
 */
export function tileWindow(size: number): Float32Array {
  ensureInteger(size, 'the tile size', { min: 1 });
  const profile = Float64Array.from({ length: size }, (_, i) => Math.sin((Math.PI * (i + 0.5)) / size) ** 2);
  const window = new Float32Array(size * size);
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) window[y * size + x] = profile[y]! * profile[x]!;
  return window;
}

/**
 * Blends per-tile planes (each `channels` x tile x tile, channel-first) into one image: the window-weighted
 * sum divided by the summed weights. Accumulates in float64.
 */
export class TileStitcher {
  private readonly sums: Float64Array;
  private readonly weights: Float64Array;
  private readonly windows = new Map<number, Float32Array>();

  constructor(readonly rows: number, readonly cols: number, readonly channels = 1) {
    this.sums = new Float64Array(channels * rows * cols);
    this.weights = new Float64Array(rows * cols);
  }

  add(crop: CropRect, values: Float32Array): void {
    ensure(crop.rows === crop.cols, 'a square tile', 'the stitched tile', `${crop.rows}x${crop.cols}`);
    ensure(values.length === this.channels * crop.rows * crop.cols, `${this.channels}x${crop.rows}x${crop.cols} values`, 'the stitched tile', values.length);
    const window = this.windowFor(crop.rows);
    const plane = this.rows * this.cols;
    const tilePlane = crop.rows * crop.cols;
    for (let y = 0; y < crop.rows; y++) {
      for (let x = 0; x < crop.cols; x++) {
        const at = (crop.top + y) * this.cols + crop.left + x;
        const w = window[y * crop.cols + x]!;
        this.weights[at] = this.weights[at]! + w;
        for (let c = 0; c < this.channels; c++) this.sums[c * plane + at] = this.sums[c * plane + at]! + w * values[c * tilePlane + y * crop.cols + x]!;
      }
    }
  }

  /** The blended values; a pixel no tile covered is 0. */
  result(): Float32Array {
    const plane = this.rows * this.cols;
    const out = new Float32Array(this.sums.length);
    for (let c = 0; c < this.channels; c++) {
      for (let i = 0; i < plane; i++) out[c * plane + i] = this.weights[i]! > 0 ? this.sums[c * plane + i]! / this.weights[i]! : 0;
    }
    return out;
  }

  private windowFor(size: number): Float32Array {
    let window = this.windows.get(size);
    if (!window) this.windows.set(size, (window = tileWindow(size)));
    return window;
  }
}

/** Tile side and grid for an image under a pipeline config (tileFraction of the short side, 50 % overlap). */
export function tilesFor(size: { rows: number; cols: number }, config: Pick<PipelineConfig, 'tileFraction'>): CropRect[] {
  ensureNumber(config.tileFraction, 'the tile fraction', { min: Number.MIN_VALUE, max: 1 });
  const tileSize = patchSizeFor(size.rows, size.cols, { fractionOfShortSide: config.tileFraction });
  return tileGrid(size.rows, size.cols, { tileSize });
}

export interface TiledAttributionContext {
  readonly model: ExplainableModel;
  readonly normalisation: ChannelNormalisation;
  readonly config: PipelineConfig;
  /** The class attributed on every tile (the whole image's prediction, or the configured target). */
  readonly target: number;
  readonly baseline: BaselineSpec;
  /** The configured IG (x NoiseTunnel) around a gradient function, with the given noise seed. */
  readonly methodFor: (gradientFn: GradientFn, seed: number) => AttributionMethod;
  readonly gradientFn: GradientFn;
  readonly seed: number;
  /** Tiles per attributeBatch call (default 16): bounds memory, keeps onnxruntime batches large. */
  readonly tilesPerCall?: number;
}

export interface TiledAttribution {
  readonly tiles: CropRect[];
  /** Stitched per-tile |sum over channels| (or positive part), normalised once, smoothed, at the original size. */
  readonly relevance: ScalarMap;
  /** Signed per-tile attributions stitched with the same window, resized to the input size (no completeness). */
  readonly attribution: ImageTensor;
  /** Per noisy sample and tile (tile-major), and F(tile) - F(baseline tile) per tile. */
  readonly deltas: number[];
  readonly scoreDifferences: number[];
}

/**
 * Integrated Gradients (Sundararajan et al. 2017) x NoiseTunnel (Smilkov et al. 2017) on every tile of the
 * image, each tile resized to the backbone input, then reduced to a 2-D map per tile (paper Sec. 3.3),
 * brought back to the tile's size and blended with `TileStitcher`. Cost: tiles x the per-image gradient
 * evaluations of the resize view. Each call of `attributeBatch` gets its own noise seed drawn from
 * `context.seed`, so the result depends on the seed and `tilesPerCall`, and nothing else.
 */
export async function attributeTiles(image: ImageTensor, context: TiledAttributionContext): Promise<TiledAttribution> {
  const { model, config } = context;
  const tiles = tilesFor(image, config);
  const perCall = ensureInteger(context.tilesPerCall ?? 16, 'the tiles per call', { min: 1 });
  const { sign } = config.explain;
  const relevance = new TileStitcher(image.rows, image.cols);
  const signed = new TileStitcher(image.rows, image.cols, 3);
  const seeds = createRng(context.seed);
  const deltas: number[] = [];
  const scoreDifferences: number[] = [];
  for (let first = 0; first < tiles.length; first += perCall) {
    const group = tiles.slice(first, first + perCall);
    const inputs = await tileInputs(image, group, context);
    const method = context.methodFor(context.gradientFn, Math.floor(seeds.next() * 2 ** 32));
    const result = await method.attributeBatch({ inputs, targets: new Int32Array(group.length).fill(context.target) });
    group.forEach((crop, t) => {
      const attribution = result.attributions[t]!;
      relevance.add(crop, resizeMapBilinear(reduceChannels(attribution, sign), crop.rows, crop.cols).data);
      signed.add(crop, resizeImageBilinear(attribution, crop.rows, crop.cols).data);
    });
    deltas.push(...(result.deltas ?? []));
    scoreDifferences.push(...(await baselineScoreDifferences(model, inputs, context)));
  }
  const tileSize = tiles[0]!.rows;
  const stitched = createScalarMap(image.rows, image.cols, relevance.result());
  const attribution = resizeImageBilinear(createImageTensor(3, image.rows, image.cols, signed.result()), model.rows, model.cols);
  return { tiles, relevance: finishRelevance(stitched, config.explain.smoothSigma * (tileSize / model.rows)), attribution, deltas, scoreDifferences };
}

/** Crops, resizes (Lanczos, as the resize view) and normalises each tile into the backbone's input space. */
async function tileInputs(image: ImageTensor, crops: readonly CropRect[], context: TiledAttributionContext): Promise<ImageTensor[]> {
  const { model } = context;
  const inputs: ImageTensor[] = [];
  for (const crop of crops) {
    const resized = await resizeImage(cropImage(image, crop), model.rows, model.cols);
    inputs.push(createImageTensor(3, model.rows, model.cols, imageToBatch([resized], context.normalisation)));
  }
  return inputs;
}

/** F(tile) - F(baseline tile) for the target, from one forward pass over the tiles and their baselines. */
async function baselineScoreDifferences(model: ExplainableModel, inputs: readonly ImageTensor[], context: TiledAttributionContext): Promise<number[]> {
  const size = inputs[0]!.data.length;
  const pixels = new Float32Array(2 * inputs.length * size);
  inputs.forEach((input, t) => {
    pixels.set(input.data, t * size);
    pixels.set(resolveBaseline(input, context.baseline).data, (inputs.length + t) * size);
  });
  const { logits } = await model.forward(pixels, 2 * inputs.length, ['logits']);
  const score = (sample: number): number => logits![sample * model.classes + context.target]!;
  return inputs.map((_, t) => score(t) - score(inputs.length + t));
}

/**
 * One normalisation for the whole stitched map (Captum's cumulative-sum scale), then the configured Gaussian
 * smoothing, whose sigma is given in backbone-input pixels and so scales with the tile size here.
 */
function finishRelevance(stitched: ScalarMap, sigmaInOriginalPixels: number): ScalarMap {
  const normalised = normalizeByCumulativeSum(stitched);
  return sigmaInOriginalPixels > 0 ? smoothMap(normalised, sigmaInOriginalPixels) : normalised;
}
