/**
 * Gradient clipping by global norm (Pascanu, Mikolov & Bengio, "On the difficulty of training recurrent
 * neural networks", ICML 2013), as PyTorch's clip_grad_norm_: the L2 norm over all gradients together,
 * and every gradient scaled in place by min(1, maxNorm / (norm + 1e-6)).
 */
import { RuntimeError, ensureNumber } from '../../core/index.js';

/** Clip in place; returns the total norm before clipping. */
export function clipGradientNorm(gradients: Iterable<Float32Array>, maxNorm: number): number {
  ensureNumber(maxNorm, 'the maximum gradient norm', { min: 0 });
  const list = [...gradients];
  let squares = 0;
  for (const gradient of list) for (let i = 0; i < gradient.length; i++) squares += gradient[i]! * gradient[i]!;
  const norm = Math.sqrt(squares);
  // A NaN or infinite gradient would silently poison every weight: stop the run instead.
  if (!Number.isFinite(norm)) throw new RuntimeError(`the gradient norm is ${norm}: the loss diverged or the input holds NaN`);
  const factor = maxNorm / (norm + 1e-6);
  if (factor < 1) for (const gradient of list) for (let i = 0; i < gradient.length; i++) gradient[i] = gradient[i]! * factor;
  return norm;
}
