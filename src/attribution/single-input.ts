/** The single-image convenience shared by IG and NoiseTunnel: resolve the target, run a batch of one. */
import { ensureImage, ensureInteger, invalid, type ImageTensor } from '../core/index.js';
import type { AttributeCallOptions, AttributionMethod, SingleAttribution, TargetFn } from './types.js';

export interface SingleAttributeOptions extends AttributeCallOptions {
  /** A class index, or a function computing it; default: the method's `predictClass`. */
  readonly target?: number | TargetFn;
  /** A fixed baseline (otherwise the method's own baseline rule applies). */
  readonly baseline?: ImageTensor;
}

/** The class index to explain: the given number, the given function's answer, or the prediction. */
export async function resolveTarget(input: ImageTensor, target: number | TargetFn | undefined, fallback?: TargetFn): Promise<number> {
  const source = target ?? fallback;
  if (source === undefined) throw invalid('a target class index or a predictClass function', 'the attribution target', source);
  const value = typeof source === 'function' ? await source(input) : source;
  return ensureInteger(value, 'the attribution target', { min: 0 });
}

export async function attributeSingle(method: AttributionMethod, input: ImageTensor, options: SingleAttributeOptions = {}): Promise<SingleAttribution> {
  ensureImage(input, 'the attribution input');
  const target = await resolveTarget(input, options.target, method.predictClass);
  const batch = {
    inputs: [input],
    targets: Int32Array.of(target),
    ...(options.baseline === undefined ? {} : { baselines: [options.baseline] }),
  };
  const result = await method.attributeBatch(batch, options);
  const attribution = result.attributions[0]!;
  if (result.deltas === undefined) return { attribution, target };
  return { attribution, target, delta: result.deltas.length === 1 ? result.deltas[0]! : result.deltas };
}
