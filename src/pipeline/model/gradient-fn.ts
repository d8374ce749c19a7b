/**
 * The GradientFn contract of src/attribution over an ExplainableModel (a ViT, or a CNN through its adapter)
 * with a head attached: a one-hot seed per sample makes the model's single backward pass return
 * d logits[target] / d pixels; scores are logits[target].
 */
import { ensureInteger } from '../../core/index.js';
import type { GradientFn } from '../../attribution/index.js';
import type { ExplainableModel } from '../../backbone/explainable-model.js';

export function gradientFnFor(model: ExplainableModel): GradientFn {
  return async (inputs, batch, targets) => {
    const classes = model.classes;
    const seed = new Float32Array(batch * classes);
    for (let b = 0; b < batch; b++) {
      ensureInteger(targets[b], 'an attribution target', { min: 0, max: classes - 1 });
      seed[b * classes + targets[b]!] = 1;
    }
    const { logits, gradient } = await model.inputGradient(inputs, batch, seed);
    const scores = Float32Array.from({ length: batch }, (_, b) => logits[b * classes + targets[b]!]!);
    return { scores, gradients: gradient };
  };
}
