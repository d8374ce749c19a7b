/**
 * NoiseTunnel (Captum's captum.attr.NoiseTunnel): average an attribution over noisy copies of the
 * input. SmoothGrad (Smilkov et al. 2017, "SmoothGrad: removing noise by adding noise"), its squared
 * variant, and VarGrad (Adebayo et al. 2018, "Local Explanation Methods for Deep Neural Networks Lack
 * Sensitivity to Parameter Values"). Works around any AttributionMethod. Only the inputs are perturbed:
 * a path method's baseline is resolved on the clean input and shared by its noisy copies, as Captum
 * expands `baselines` without adding noise to them.
 */
import { createImageTensor, createProgressTracker, createRng, ensure, ensureInteger, ensureNumber, ensureOneOf, type ImageTensor, type ProgressCallback } from '../core/index.js';
import { attributeSingle, type SingleAttributeOptions } from './single-input.js';
import type { AttributeCallOptions, AttributionBatch, AttributionMethod, AttributionResult, SingleAttribution } from './types.js';

export const NOISE_TUNNEL_TYPES = ['smoothgrad', 'smoothgrad_sq', 'vargrad'] as const;
export type NoiseTunnelType = (typeof NOISE_TUNNEL_TYPES)[number];

/** Noise for one noisy copy; injected by tests that replay a reference's noise tensors. */
export type NoiseSource = (inputIndex: number, sampleIndex: number, length: number) => Float32Array;

export interface NoiseTunnelOptions {
  /** smoothgrad: mean; smoothgrad_sq: mean of squares; vargrad: variance (default smoothgrad). */
  readonly ntType?: NoiseTunnelType;
  /** Noisy copies per input (default 5). */
  readonly ntSamples?: number;
  /** Standard deviation of the Gaussian noise, in normalised input space (default 1.0). */
  readonly stdevs?: number;
  /** Noisy copies handed to the wrapped method per call, per input (default: all). */
  readonly ntSamplesBatchSize?: number;
  /** Seed for the noise (default 0). */
  readonly seed?: number;
  /** Replaces the seeded Gaussian noise (the result is added to the input as is, not scaled by stdevs). */
  readonly noise?: NoiseSource;
  readonly onProgress?: ProgressCallback;
}

export interface NoiseTunnel extends AttributionMethod {
  attribute(input: ImageTensor, options?: SingleAttributeOptions): Promise<SingleAttribution>;
}

/**
 * @example
 *   const nt = createNoiseTunnel(createIntegratedGradients(gradientFn), { ntSamples: 10, stdevs: 0.2, seed: 7 });
 *   const { attribution } = await nt.attribute(image, { target: 1 });
 */
export function createNoiseTunnel(method: AttributionMethod, options: NoiseTunnelOptions = {}): NoiseTunnel {
  const settings = {
    ntType: ensureOneOf(options.ntType ?? 'smoothgrad', 'the NoiseTunnel type', NOISE_TUNNEL_TYPES),
    ntSamples: ensureInteger(options.ntSamples ?? 5, 'the NoiseTunnel sample count', { min: 1 }),
    stdevs: ensureNumber(options.stdevs ?? 1.0, 'the NoiseTunnel stdevs', { min: 0 }),
    seed: ensureInteger(options.seed ?? 0, 'the NoiseTunnel seed', { min: 0, max: 2 ** 32 - 1 }),
  };
  const batchSize = ensureInteger(options.ntSamplesBatchSize ?? settings.ntSamples, 'the NoiseTunnel samples batch size', { min: 1 });
  const tunnel: NoiseTunnel = {
    name: `noise-tunnel(${method.name})`,
    ...(method.predictClass === undefined ? {} : { predictClass: method.predictClass }),
    ...(method.resolveBaseline === undefined ? {} : { resolveBaseline: method.resolveBaseline }),
    attributeBatch: (batch, call) => runNoiseTunnel(method, batch, { ...options, ...settings, batchSize, call }),
    attribute: (input, single) => attributeSingle(tunnel, input, single),
  };
  return tunnel;
}

interface RunSettings extends NoiseTunnelOptions {
  readonly ntType: NoiseTunnelType;
  readonly ntSamples: number;
  readonly stdevs: number;
  readonly seed: number;
  readonly batchSize: number;
  readonly call: AttributeCallOptions | undefined;
}

async function runNoiseTunnel(method: AttributionMethod, batch: AttributionBatch, settings: RunSettings): Promise<AttributionResult> {
  const { inputs, targets } = batch;
  ensure(inputs.length > 0 && targets.length === inputs.length, `inputs with one target each`, 'the NoiseTunnel batch', targets);
  const baselines = batch.baselines ?? (method.resolveBaseline ? inputs.map((input) => method.resolveBaseline!(input)) : undefined);
  const noise = settings.noise ?? seededNoise(settings.seed, settings.stdevs);
  const sums = inputs.map((input) => new Float64Array(input.data.length));
  const sumsOfSquares = inputs.map((input) => new Float64Array(input.data.length));
  const deltas: number[][] = inputs.map(() => []);
  const progress = createProgressTracker('noise-tunnel', settings.ntSamples, settings.call?.onProgress ?? settings.onProgress);
  for (let first = 0; first < settings.ntSamples; first += settings.batchSize) {
    const samples = Math.min(settings.batchSize, settings.ntSamples - first);
    const expanded = expandBatch(inputs, targets, baselines, { first, samples, noise });
    const result = await method.attributeBatch(expanded);
    result.attributions.forEach((attribution, index) => {
      const b = Math.floor(index / samples);
      accumulateMoments(sums[b]!, sumsOfSquares[b]!, attribution.data);
      if (result.deltas) deltas[b]!.push(result.deltas[index]!);
    });
    progress.advance(samples);
  }
  const attributions = inputs.map((input, b) => smooth(input, sums[b]!, sumsOfSquares[b]!, settings));
  const hasDeltas = deltas[0]!.length > 0;
  return hasDeltas ? { attributions, deltas: Float32Array.from(deltas.flat()) } : { attributions };
}

/** Noisy copies input-major ([x1 s1, x1 s2, ..., x2 s1, ...], Captum's repeat_interleave) for samples first..first+samples. */
function expandBatch(inputs: readonly ImageTensor[], targets: Int32Array, baselines: readonly ImageTensor[] | undefined, window: { first: number; samples: number; noise: NoiseSource }): AttributionBatch {
  const noisy: ImageTensor[] = [];
  const expandedTargets = new Int32Array(inputs.length * window.samples);
  const expandedBaselines: ImageTensor[] = [];
  inputs.forEach((input, b) => {
    for (let s = 0; s < window.samples; s++) {
      const perturbation = window.noise(b, window.first + s, input.data.length);
      ensure(perturbation.length === input.data.length, `${input.data.length} noise values`, 'a NoiseTunnel noise sample', perturbation);
      const data = new Float32Array(input.data.length);
      for (let i = 0; i < data.length; i++) data[i] = input.data[i]! + perturbation[i]!;
      noisy.push(createImageTensor(input.channels, input.rows, input.cols, data));
      expandedTargets[b * window.samples + s] = targets[b]!;
      if (baselines) expandedBaselines.push(baselines[b]!);
    }
  });
  return baselines ? { inputs: noisy, targets: expandedTargets, baselines: expandedBaselines } : { inputs: noisy, targets: expandedTargets };
}

/**
 * Seeded N(0, stdev^2) noise. Draws depend only on (seed, input, sample), so the result does not change
 * with ntSamplesBatchSize.
 */
export function seededNoise(seed: number, stdev: number): NoiseSource {
  return (inputIndex, sampleIndex, length) => {
    const rng = createRng((seed + 0x9e3779b9 * (inputIndex + 1) + 0x85ebca6b * (sampleIndex + 1)) >>> 0);
    const out = new Float32Array(length);
    for (let i = 0; i < length; i++) out[i] = stdev * rng.normal();
    return out;
  };
}

function accumulateMoments(sum: Float64Array, sumOfSquares: Float64Array, values: Float32Array): void {
  for (let i = 0; i < sum.length; i++) {
    const value = values[i]!;
    sum[i] = sum[i]! + value;
    sumOfSquares[i] = sumOfSquares[i]! + value * value;
  }
}

/** smoothgrad = E[a], smoothgrad_sq = E[a^2], vargrad = E[a^2] - E[a]^2 (Captum's compute_smoothing). */
function smooth(input: ImageTensor, sum: Float64Array, sumOfSquares: Float64Array, settings: RunSettings): ImageTensor {
  const out = createImageTensor(input.channels, input.rows, input.cols);
  const n = settings.ntSamples;
  for (let i = 0; i < out.data.length; i++) {
    const mean = sum[i]! / n;
    const meanOfSquares = sumOfSquares[i]! / n;
    if (settings.ntType === 'smoothgrad') out.data[i] = mean;
    else if (settings.ntType === 'smoothgrad_sq') out.data[i] = meanOfSquares;
    else out.data[i] = meanOfSquares - mean * mean;
  }
  return out;
}
