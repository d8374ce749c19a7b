/**
 * Integrated Gradients (Sundararajan, Taly & Yan 2017, "Axiomatic Attribution for Deep Networks",
 * eq. 1 and its Riemann approximation in section 5) with Captum's semantics
 * (captum.attr.IntegratedGradients):
 *
 *   IG(x) = (x - x') * sum_k w_k * dF/dx (x' + a_k (x - x'))
 *
 * where (a_k, w_k) is a quadrature rule on [0, 1]. Path points are laid out alpha-major (all inputs at
 * a_1, then all at a_2, ...) as Captum does, and evaluated in chunks of `internalBatchSize`.
 */
import { createImageTensor, createProgressTracker, ensure, ensureImage, ensureInteger, ensureSameSize, RuntimeError, type ImageTensor, type ProgressCallback } from '../core/index.js';
import { resolveBaseline, type BaselineSpec } from './baselines.js';
import { quadratureRule, type QuadratureMethod } from './quadrature.js';
import { attributeSingle, type SingleAttributeOptions } from './single-input.js';
import type { AttributeCallOptions, AttributionBatch, AttributionMethod, AttributionResult, GradientFn, SingleAttribution, TargetFn } from './types.js';

export interface IntegratedGradientsOptions {
  /** Quadrature rule (default 'gausslegendre', as Captum). */
  readonly method?: QuadratureMethod;
  /** Number of path points (default 50). */
  readonly nSteps?: number;
  /** Baseline rule (default zero in normalised space). */
  readonly baseline?: BaselineSpec;
  /** Most path points per GradientFn call (default: all at once). Bounds memory. */
  readonly internalBatchSize?: number;
  /**
   * Also return delta = sum(IG) - (F(x) - F(x')). Costs one extra GradientFn call on 2 points per
   * input (x' and x; their gradients are discarded), as Captum's extra forward passes.
   */
  readonly returnConvergenceDelta?: boolean;
  /** Default target (the predicted class) when an attribute call names none. */
  readonly predictClass?: TargetFn;
  readonly onProgress?: ProgressCallback;
}

export interface IntegratedGradients extends AttributionMethod {
  /** IG of one image; `target` defaults to `predictClass`. */
  attribute(input: ImageTensor, options?: SingleAttributeOptions): Promise<SingleAttribution>;
}

/**
 * @example
 *   const ig = createIntegratedGradients(gradientFn, { nSteps: 50, internalBatchSize: 10 });
 *   const { attribution, delta } = await ig.attribute(image, { target: 1 });
 */
export function createIntegratedGradients(gradientFn: GradientFn, options: IntegratedGradientsOptions = {}): IntegratedGradients {
  const method = options.method ?? 'gausslegendre';
  const nSteps = options.nSteps ?? 50;
  const rule = quadratureRule(method, nSteps);
  if (options.internalBatchSize !== undefined) ensureInteger(options.internalBatchSize, 'the IG internal batch size', { min: 1 });
  const baselineSpec = options.baseline ?? { kind: 'zero' };
  const ig: IntegratedGradients = {
    name: 'integrated-gradients',
    ...(options.predictClass === undefined ? {} : { predictClass: options.predictClass }),
    resolveBaseline: (input) => resolveBaseline(input, baselineSpec),
    attributeBatch: (batch, callOptions) => runIntegratedGradients(gradientFn, batch, { ...options, rule, callOptions }),
    attribute: (input, single) => attributeSingle(ig, input, single),
  };
  return ig;
}

interface RunOptions extends IntegratedGradientsOptions {
  readonly rule: { alphas: Float64Array; weights: Float64Array };
  readonly callOptions: AttributeCallOptions | undefined;
}

async function runIntegratedGradients(gradientFn: GradientFn, batch: AttributionBatch, options: RunOptions): Promise<AttributionResult> {
  const { inputs, targets } = batch;
  ensure(inputs.length > 0, 'at least one input', 'the IG batch', inputs);
  ensure(targets.length === inputs.length, `${inputs.length} targets`, 'the IG batch', targets);
  inputs.forEach((input) => ensureSameShape(inputs[0]!, input));
  const baselines = batch.baselines ?? inputs.map((input) => resolveBaseline(input, options.baseline));
  ensure(baselines.length === inputs.length, `${inputs.length} baselines`, 'the IG batch', baselines);
  baselines.forEach((baseline) => ensureSameShape(inputs[0]!, baseline));

  const { alphas } = options.rule;
  const pathPoints = alphas.length * inputs.length;
  const extraPoints = options.returnConvergenceDelta ? 2 * inputs.length : 0;
  const onProgress = options.callOptions?.onProgress ?? options.onProgress;
  const progress = createProgressTracker('integrated-gradients', pathPoints + extraPoints, onProgress);

  const gradientSums = await integratePath(gradientFn, { inputs, baselines, targets }, { ...options, progress });
  const attributions = inputs.map((input, b) => scaleByDifference(input, baselines[b]!, gradientSums[b]!));
  if (!options.returnConvergenceDelta) return { attributions };
  const deltas = await convergenceDeltas(gradientFn, { inputs, baselines, targets }, attributions);
  progress.advance(extraPoints);
  return { attributions, deltas };
}

interface PathBatch {
  readonly inputs: readonly ImageTensor[];
  readonly baselines: readonly ImageTensor[];
  readonly targets: Int32Array;
}

/** sum_k w_k grad(x' + a_k (x - x')) per input, in float64, evaluating the path in chunks. */
async function integratePath(gradientFn: GradientFn, path: PathBatch, options: RunOptions & { progress: { advance(n: number): void } }): Promise<Float64Array[]> {
  const { alphas, weights } = options.rule;
  const size = path.inputs[0]!.data.length;
  const count = path.inputs.length;
  const total = alphas.length * count;
  const chunk = Math.min(options.internalBatchSize ?? total, total);
  const sums = path.inputs.map(() => new Float64Array(size));
  for (let start = 0; start < total; start += chunk) {
    const points = Math.min(chunk, total - start);
    const pixels = new Float32Array(points * size);
    const targets = new Int32Array(points);
    for (let p = 0; p < points; p++) {
      const step = Math.floor((start + p) / count);
      const b = (start + p) % count;
      writePathPoint(pixels.subarray(p * size, (p + 1) * size), path.inputs[b]!.data, path.baselines[b]!.data, alphas[step]!);
      targets[p] = path.targets[b]!;
    }
    const { gradients } = await callGradient(gradientFn, pixels, points, targets);
    for (let p = 0; p < points; p++) {
      const step = Math.floor((start + p) / count);
      accumulate(sums[(start + p) % count]!, gradients.subarray(p * size, (p + 1) * size), weights[step]!);
    }
    options.progress.advance(points);
  }
  return sums;
}

function writePathPoint(out: Float32Array, input: Float32Array, baseline: Float32Array, alpha: number): void {
  for (let i = 0; i < out.length; i++) out[i] = baseline[i]! + alpha * (input[i]! - baseline[i]!);
}

function accumulate(sum: Float64Array, gradient: Float32Array, weight: number): void {
  for (let i = 0; i < sum.length; i++) sum[i] = sum[i]! + weight * gradient[i]!;
}

function scaleByDifference(input: ImageTensor, baseline: ImageTensor, gradientSum: Float64Array): ImageTensor {
  const out = createImageTensor(input.channels, input.rows, input.cols);
  for (let i = 0; i < out.data.length; i++) out.data[i] = (input.data[i]! - baseline.data[i]!) * gradientSum[i]!;
  return out;
}

/** delta_b = sum(IG_b) - (F(x_b) - F(x'_b)), with F from one GradientFn call on [x'_1..x'_B, x_1..x_B]. */
async function convergenceDeltas(gradientFn: GradientFn, path: PathBatch, attributions: readonly ImageTensor[]): Promise<Float32Array> {
  const count = path.inputs.length;
  const size = path.inputs[0]!.data.length;
  const pixels = new Float32Array(2 * count * size);
  path.baselines.forEach((baseline, b) => pixels.set(baseline.data, b * size));
  path.inputs.forEach((input, b) => pixels.set(input.data, (count + b) * size));
  const targets = new Int32Array(2 * count);
  targets.set(path.targets, 0);
  targets.set(path.targets, count);
  const { scores } = await callGradient(gradientFn, pixels, 2 * count, targets);
  return Float32Array.from(attributions, (attribution, b) => {
    let total = 0;
    for (const value of attribution.data) total += value;
    return total - (scores[count + b]! - scores[b]!);
  });
}

/** Calls the injected model and checks it kept the contract, so a wrong shape fails here, not later. */
export async function callGradient(gradientFn: GradientFn, pixels: Float32Array, batch: number, targets: Int32Array): Promise<{ scores: Float32Array; gradients: Float32Array }> {
  const result = await gradientFn(pixels, batch, targets);
  if (result.scores.length !== batch || result.gradients.length !== pixels.length) {
    throw new RuntimeError(`expected ${batch} scores and ${pixels.length} gradient values from the gradient function but received ${result.scores.length} and ${result.gradients.length}`);
  }
  return result;
}

function ensureSameShape(reference: ImageTensor, other: ImageTensor): void {
  ensureImage(other, 'an attribution tensor');
  ensureSameSize(reference, other, 'an attribution tensor');
  ensure(other.channels === reference.channels, `${reference.channels} channels`, 'an attribution tensor', other.channels);
}
