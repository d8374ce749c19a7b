/**
 * The explain stage of Algorithm 1 for one image: predict, attribute the predicted class with Integrated
 * Gradients (Sundararajan et al. 2017) smoothed by NoiseTunnel (Smilkov et al. 2017), reduce to a relevance
 * map (paper Sec. 3.3), take a feature map from the last block (Sec. 3.4) and fuse the two (Sec. 3.5).
 * A backbone without attention (MobileNetV2) gives its attention feature maps as 'token-norm' instead.
 */
import {
  createProgressTracker, createStopwatch, ensureOneOf, invalid, resizeMapBilinear,
  type ImageTensor, type ProgressCallback, type ScalarMap, type Stopwatch,
} from '../../core/index.js';
import {
  createIntegratedGradients, createNoiseTunnel, relevanceMap, resolveBaseline, type AttributionMethod, type BaselineSpec, type GradientFn,
} from '../../attribution/index.js';
import type { ExplainableModel } from '../../backbone/explainable-model.js';
import { imageToBatch, resizeImage } from '../../data/index.js';
import { featureMap, fuseRelevanceAndFeature, type FeatureMapKind } from '../../features/index.js';
import { softmax, type HeadModel, type TokenHead } from '../../head/index.js';
import { EXPLAIN_SOURCES, type ExplainConfig, type PipelineConfig } from '../config/types.js';
import { gradientFnFor } from '../model/gradient-fn.js';
import { attributeTiles, tilesFor } from './explain-tiles.js';
import { forwardOutputsFor } from './map-sources.js';
import { tokenMapRelevance } from './patch-relevance.js';

/**
 * The feature map a model can give for the configured kind: the attention kinds ('cls-attention',
 * 'head-attention') need the last block's attention, so a model without it (a CNN) gives 'token-norm', the
 * per-position norm of its last feature map (7 x 7 for MobileNetV2 at 224); 'token-norm' and 'pca' pass through.
 */
export function featureKindFor(kind: FeatureMapKind, model: Pick<ExplainableModel, 'hasAttention'>): FeatureMapKind {
  return !model.hasAttention && (kind === 'cls-attention' || kind === 'head-attention') ? 'token-norm' : kind;
}

export interface ExplainContext {
  readonly model: ExplainableModel;
  /** Supplies the class names and the normalisation the head was trained with. */
  readonly head: HeadModel;
  readonly config: PipelineConfig;
  /** Seed of the NoiseTunnel noise and of a uniform baseline; default config.seed. */
  readonly seed?: number;
  /** The multiple-instance token head for explain.source 'token-head'. */
  readonly tokenHead?: TokenHead;
}

export interface ConvergenceStats {
  /** sum(IG) - (F(x) - F(x')), one per NoiseTunnel sample (one without the tunnel). */
  readonly deltas: number[];
  readonly meanAbsDelta: number;
  /** F(x) - F(x') of the clean input for the target class: the amount IG must distribute. */
  readonly scoreDifference: number;
  /** meanAbsDelta / |scoreDifference|: the quadrature error as a fraction of the attributed total. */
  readonly relativeDelta: number;
}

export interface ImageExplanation {
  readonly predictedClass: number;
  /** The class whose score was attributed: the predicted one unless config.explain.target names a class. */
  readonly targetClass: number;
  readonly className: string;
  readonly probabilities: Float32Array;
  readonly logits: Float32Array;
  /** Raw attribution at the input size, in the normalised input space (sums to about F(x) - F(x')). */
  readonly attribution: ImageTensor;
  readonly convergence: ConvergenceStats;
  /** Relevance in [0, 1] at the backbone input size and at the original image size. */
  readonly relevance: { readonly input: ScalarMap; readonly original: ScalarMap };
  /** The feature map in [0, 1] on the patch grid and at the original size (see featureKindFor). */
  readonly feature: { readonly patch: ScalarMap; readonly original: ScalarMap };
  /** Relevance x feature, renormalised, at the original size. */
  readonly fused: ScalarMap;
  /** Milliseconds per stage. */
  readonly timingsMs: Record<string, number>;
}

/** Gradient evaluations one explanation costs (path points plus the 2 convergence points, per noisy sample; none for the token-map sources). */
export function gradientEvaluationsPerImage(explain: Pick<ExplainConfig, 'nSteps' | 'ntSamples'> & { source?: ExplainConfig['source'] }): number {
  if (explain.source !== undefined && explain.source !== 'integrated-gradients') return 0;
  return Math.max(1, explain.ntSamples) * (explain.nSteps + 2);
}

/** The IG baseline the config names, in the normalised input space. */
export function baselineSpecFor(explain: ExplainConfig, context: { head: HeadModel; seed: number; patchSize: number }): BaselineSpec {
  switch (explain.baseline) {
    case 'zero':
      return { kind: 'zero' };
    case 'black':
      return { kind: 'black', mean: context.head.normalisation.mean, std: context.head.normalisation.std };
    case 'blurred':
      // Blur at the token scale: it removes the detail a ViT patch resolves and keeps the coarse layout.
      return { kind: 'blurred', sigma: context.patchSize };
    case 'uniform':
      return { kind: 'uniform', seed: context.seed };
    default:
      throw invalid('one of zero, black, blurred, uniform', 'the explain baseline', explain.baseline);
  }
}

function attributionMethod(gradientFn: GradientFn, context: { explain: ExplainConfig; baseline: BaselineSpec; seed: number }): AttributionMethod {
  const { explain } = context;
  const ig = createIntegratedGradients(gradientFn, {
    method: explain.method, nSteps: explain.nSteps, baseline: context.baseline,
    internalBatchSize: explain.internalBatchSize, returnConvergenceDelta: true,
  });
  if (explain.ntSamples === 0) return ig;
  return createNoiseTunnel(ig, { ntType: explain.ntType, ntSamples: explain.ntSamples, stdevs: explain.stdevs, seed: context.seed });
}

/**
 * Explain one image (any size). View 'resize' explains the image resized to the model's input; view 'tiles'
 * explains overlapping tiles at the training patch scale and stitches them (explain-tiles.ts), with prediction,
 * target, feature map and fusion still from the whole resized image. Progress is one 'explain' event per
 * gradient batch, `total` = gradientEvaluationsPerImage(config.explain) (times the tile count for 'tiles').
 * On a model without attention (`model.hasAttention` false, e.g. MobileNetV2) the fusion's 'cls-attention'
 * and 'head-attention' feature maps are replaced by 'token-norm' (featureKindFor).
 *
 * @example const result = await explainImage(await readImage('lesion.png'), { model, head, config: resolveConfig() });
 */
export async function explainImage(image: ImageTensor, context: ExplainContext, onProgress?: ProgressCallback): Promise<ImageExplanation> {
  const { model, head, config } = context;
  ensureOneOf(config.view, 'the explain view', ['resize', 'tiles'] as const);
  const seed = context.seed ?? config.seed;
  const laps = createStopwatch();
  const resized = await resizeImage(image, model.rows, model.cols);
  const pixels = imageToBatch([resized], head.normalisation);
  laps.lap('resize');

  const forward = await model.forward(pixels, 1, forwardOutputsFor(model));
  const logits = forward.logits!;
  const probabilities = softmax(logits, model.classes);
  const predictedClass = argmax(probabilities);
  laps.lap('predict');

  const tileCount = config.view === 'tiles' ? tilesFor(image, config).length : 1;
  const progress = createProgressTracker('explain', tileCount * gradientEvaluationsPerImage(config.explain), onProgress);
  const gradientFn = gradientFnFor(model);
  const counted: GradientFn = async (inputs, batch, targets) => {
    const result = await gradientFn(inputs, batch, targets);
    progress.advance(batch);
    return result;
  };
  const baseline = baselineSpecFor(config.explain, { head, seed, patchSize: model.config.patchSize });
  const targetClass = targetClassFor(config.explain.target, head, predictedClass);
  const grid = { rows: model.rows / model.config.patchSize, cols: model.cols / model.config.patchSize };
  const source = ensureOneOf(config.explain.source, 'the explain source', EXPLAIN_SOURCES);
  const attributed = source !== 'integrated-gradients'
    ? tokenRelevanceFor(forward.patchTokens!, { source, head, tokenHead: context.tokenHead, target: targetClass, grid, input: model, original: image })
    : config.view === 'tiles'
    ? await explainTiled(image, { model, head, config, gradientFn: counted, baseline, target: targetClass, seed, laps })
    : await explainResized({ data: pixels, channels: 3, rows: model.rows, cols: model.cols }, { model, config, gradientFn: counted, baseline, target: targetClass, seed, laps, score: logits[targetClass]!, original: image });

  const block = { ...grid, ...(forward.attention ? { attention: forward.attention } : {}), patchTokens: forward.patchTokens! };
  const featurePatch = featureMap(block, { kind: featureKindFor(config.fusion.feature, model), head: config.fusion.head, outputSize: image }).patch;
  const featureOriginal = resizeMapBilinear(featurePatch, image.rows, image.cols);
  const fused = fuseRelevanceAndFeature(attributed.relevance.original, featureOriginal).fused;
  laps.lap('fusion');

  return {
    predictedClass, targetClass, className: head.head.classes[predictedClass] ?? String(predictedClass), probabilities, logits,
    attribution: attributed.attribution, convergence: attributed.convergence, relevance: attributed.relevance,
    feature: { patch: featurePatch, original: featureOriginal },
    fused,
    timingsMs: laps.timings,
  };
}

/**
 * The gradient-free sources: 'patch-logits' needs a head on the final CLS token (whose LayerNorm the patch
 * tokens share); 'token-head' needs the context's token head, trained for the same classes.
 */
function tokenRelevanceFor(
  patchTokens: Float32Array,
  context: Omit<Parameters<typeof tokenMapRelevance>[1], 'linear'> & { source: ExplainConfig['source']; head: HeadModel; tokenHead: TokenHead | undefined },
): Attributed {
  const { source, head, tokenHead, ...rest } = context;
  if (source === 'patch-logits') {
    if (head.featureKind !== 'cls') throw invalid("a head on the final CLS token ('cls' features)", "the 'patch-logits' explain source", head.featureKind);
    return tokenMapRelevance(patchTokens, { ...rest, linear: head.head });
  }
  if (!tokenHead) throw invalid('a token head in the explain context (explainseg train-token-head)', "the 'token-head' explain source", tokenHead);
  if (tokenHead.linear.classes.join(',') !== head.head.classes.join(',')) throw invalid(`a token head for the classes ${head.head.classes.join(', ')}`, "the 'token-head' explain source", tokenHead.linear.classes.join(', '));
  return tokenMapRelevance(patchTokens, { ...rest, linear: tokenHead.linear });
}

interface AttributionSettings {
  readonly model: ExplainableModel;
  readonly config: PipelineConfig;
  readonly gradientFn: GradientFn;
  readonly baseline: BaselineSpec;
  readonly target: number;
  readonly seed: number;
  readonly laps: Stopwatch;
}

type Attributed = Pick<ImageExplanation, 'attribution' | 'convergence' | 'relevance'>;

/** The resize view: one IG x NoiseTunnel call on the whole image at the input size (Algorithm 1). */
async function explainResized(input: ImageTensor, settings: AttributionSettings & { score: number; original: { rows: number; cols: number } }): Promise<Attributed> {
  const { model, config } = settings;
  const method = attributionMethod(settings.gradientFn, { explain: config.explain, baseline: settings.baseline, seed: settings.seed });
  const result = await method.attributeBatch({ inputs: [input], targets: Int32Array.of(settings.target) });
  const attribution = result.attributions[0]!;
  settings.laps.lap('attribution');
  const convergence = await convergenceStats(model, { input, baseline: settings.baseline, target: settings.target, score: settings.score, deltas: result.deltas });
  settings.laps.lap('convergence');
  const { sign } = config.explain;
  const relevanceInput = relevanceMap(attribution, { sign, smoothingSigma: config.explain.smoothSigma });
  settings.laps.lap('relevance');
  return { attribution, convergence, relevance: { input: relevanceInput, original: resizeMapBilinear(relevanceInput, settings.original.rows, settings.original.cols) } };
}

/**
 * The tiles view. `attribution` is the signed per-tile IG stitched with the tiles' window and resized to the
 * input size: a picture of where the evidence lies, not a completeness-preserving attribution of the whole
 * image (each tile's IG sums to that tile's score difference). Convergence pools all tiles: the deltas of
 * every tile and noisy sample, scoreDifference the mean of F(tile) - F(baseline tile), and relativeDelta
 * mean |delta| / mean |score difference|.
 */
async function explainTiled(image: ImageTensor, settings: AttributionSettings & { head: HeadModel }): Promise<Attributed> {
  const { model, config } = settings;
  const tiled = await attributeTiles(image, {
    ...settings, normalisation: settings.head.normalisation,
    methodFor: (gradientFn, seed) => attributionMethod(gradientFn, { explain: config.explain, baseline: settings.baseline, seed }),
  });
  settings.laps.lap('attribution');
  const meanAbs = (values: number[]): number => (values.length === 0 ? 0 : values.reduce((sum, value) => sum + Math.abs(value), 0) / values.length);
  const meanAbsDelta = meanAbs(tiled.deltas);
  const scale = meanAbs(tiled.scoreDifferences);
  const scoreDifference = tiled.scoreDifferences.reduce((sum, value) => sum + value, 0) / tiled.scoreDifferences.length;
  const relativeDelta = scale === 0 ? (meanAbsDelta === 0 ? 0 : Infinity) : meanAbsDelta / scale;
  settings.laps.lap('relevance');
  return {
    attribution: tiled.attribution,
    convergence: { deltas: tiled.deltas, meanAbsDelta, scoreDifference, relativeDelta },
    relevance: { input: resizeMapBilinear(tiled.relevance, model.rows, model.cols), original: tiled.relevance },
  };
}

/**
 * Delta statistics. F(x) comes from the prediction forward pass and F(x') from one more pass through the
 * same session, so the denominator costs a forward, not a gradient.
 */
async function convergenceStats(model: ExplainableModel, path: { input: ImageTensor; baseline: BaselineSpec; target: number; score: number; deltas: Float32Array | undefined }): Promise<ConvergenceStats> {
  const baseline = resolveBaseline(path.input, path.baseline);
  const { logits } = await model.forward(baseline.data, 1, forwardOutputsFor(model));
  const scoreDifference = path.score - logits![path.target]!;
  const deltas = Array.from(path.deltas ?? []);
  const meanAbsDelta = deltas.length === 0 ? 0 : deltas.reduce((sum, delta) => sum + Math.abs(delta), 0) / deltas.length;
  const relativeDelta = scoreDifference === 0 ? (meanAbsDelta === 0 ? 0 : Infinity) : meanAbsDelta / Math.abs(scoreDifference);
  return { deltas, meanAbsDelta, scoreDifference, relativeDelta };
}

/**
 * The relevance (input grid) and feature (patch grid) maps brought to the original size, and their fusion
 * (paper Sec. 3.5). Shared by explainImage and by runs that reload cached explanations.
 */
export function mapsAtOriginalSize(relevanceInput: ScalarMap, featurePatch: ScalarMap, size: { rows: number; cols: number }): { relevance: ScalarMap; feature: ScalarMap; fused: ScalarMap } {
  const relevance = resizeMapBilinear(relevanceInput, size.rows, size.cols);
  const feature = resizeMapBilinear(featurePatch, size.rows, size.cols);
  return { relevance, feature, fused: fuseRelevanceAndFeature(relevance, feature).fused };
}

/**
 * Algorithm 1 explains the predicted class. A named class is offered too: a patch-trained head (Kvasir) may
 * call a whole frame "background", and the lesion class is then the score whose evidence is the lesion.
 */
export function targetClassFor(target: string, head: HeadModel, predictedClass: number): number {
  if (target === 'predicted') return predictedClass;
  const index = head.head.classes.indexOf(target);
  if (index < 0) throw invalid(`'predicted' or one of ${head.head.classes.join(', ')}`, 'the explain target', target);
  return index;
}

function argmax(values: Float32Array): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i]! > values[best]!) best = i;
  return best;
}
