/**
 * IG baselines x' (Sundararajan et al. 2017, "Axiomatic Attribution for Deep Networks", section 3;
 * Sturmfels et al. 2020, "Visualizing the Impact of Feature Attribution Baselines"). Every baseline
 * lives in the normalised input space the model sees.
 */
import { createImageTensor, createRng, ensure, ensureImage, ensureNumber, ensureSameSize, invalid, type ImageTensor } from '../core/index.js';
import { gaussianBlurPlane } from './gaussian-blur.js';

export type BaselineSpec =
  /** All zeros in normalised space (Captum's default): the dataset-mean image. */
  | { kind: 'zero' }
  /** A black image: pixel value 0, i.e. -mean/std per channel after normalisation. */
  | { kind: 'black'; mean: readonly number[]; std: readonly number[] }
  /** The input blurred with a Gaussian of `sigma` pixels per channel. */
  | { kind: 'blurred'; sigma: number }
  /** Uniform noise in [low, high] (default: the input's own min and max), drawn from `seed`. */
  | { kind: 'uniform'; seed: number; low?: number; high?: number }
  /** A given tensor with the input's shape. */
  | { kind: 'tensor'; tensor: ImageTensor };

/** The baseline for one input; the result never aliases the input. */
export function resolveBaseline(input: ImageTensor, spec: BaselineSpec = { kind: 'zero' }): ImageTensor {
  ensureImage(input, 'the attribution input');
  switch (spec.kind) {
    case 'zero':
      return createImageTensor(input.channels, input.rows, input.cols);
    case 'black':
      return blackBaseline(input, spec.mean, spec.std);
    case 'blurred':
      return blurredBaseline(input, spec.sigma);
    case 'uniform':
      return uniformBaseline(input, spec);
    case 'tensor':
      return givenBaseline(input, spec.tensor);
    default:
      throw invalid('a baseline kind zero, black, blurred, uniform or tensor', 'the baseline', (spec as { kind?: unknown }).kind);
  }
}

function blackBaseline(input: ImageTensor, mean: readonly number[], std: readonly number[]): ImageTensor {
  ensure(mean.length === input.channels, `${input.channels} channel means`, 'the black baseline', mean);
  ensure(std.length === input.channels && std.every((s) => s > 0), `${input.channels} positive channel stds`, 'the black baseline', std);
  const out = createImageTensor(input.channels, input.rows, input.cols);
  const plane = input.rows * input.cols;
  for (let c = 0; c < input.channels; c++) out.data.fill(-mean[c]! / std[c]!, c * plane, (c + 1) * plane);
  return out;
}

function blurredBaseline(input: ImageTensor, sigma: number): ImageTensor {
  ensureNumber(sigma, 'the blurred baseline sigma', { min: 0 });
  const out = createImageTensor(input.channels, input.rows, input.cols);
  const plane = input.rows * input.cols;
  for (let c = 0; c < input.channels; c++) {
    const channel = input.data.subarray(c * plane, (c + 1) * plane);
    out.data.set(gaussianBlurPlane(channel, input.rows, input.cols, sigma), c * plane);
  }
  return out;
}

function uniformBaseline(input: ImageTensor, spec: { seed: number; low?: number; high?: number }): ImageTensor {
  let min = Infinity;
  let max = -Infinity;
  for (const value of input.data) {
    if (value < min) min = value;
    if (value > max) max = value;
  }
  const low = ensureNumber(spec.low ?? min, 'the uniform baseline low');
  const high = ensureNumber(spec.high ?? max, 'the uniform baseline high', { min: low });
  const rng = createRng(spec.seed);
  const out = createImageTensor(input.channels, input.rows, input.cols);
  for (let i = 0; i < out.data.length; i++) out.data[i] = low + (high - low) * rng.next();
  return out;
}

function givenBaseline(input: ImageTensor, tensor: ImageTensor): ImageTensor {
  ensureImage(tensor, 'the baseline tensor');
  ensureSameSize(input, tensor, 'the baseline tensor');
  ensure(tensor.channels === input.channels, `${input.channels} channels`, 'the baseline tensor', tensor.channels);
  return createImageTensor(tensor.channels, tensor.rows, tensor.cols, tensor.data.slice());
}
