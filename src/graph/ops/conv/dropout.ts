/**
 * Dropout (Srivastava et al., JMLR 2014) as PyTorch's nn.Dropout: in training, y = x m / (1 - p) with a
 * 0/1 mask m kept with probability 1 - p; in inference, the identity. The mask is a graph input drawn by a
 * seeded generator in TypeScript (dropoutMask), not by ONNX's Dropout (whose seed would tie randomness to
 * the session), so a training step is reproducible and its finite-difference check is well defined.
 */
import { ensure, ensureInteger, ensureNumber, type Rng } from '../../../core/index.js';
import type { GraphBuilder, Value } from '../../builder.js';

export interface DropoutOptions {
  /** The drop probability p in [0, 1). */
  readonly rate: number;
  /** The 0/1 keep mask of x's shape (a non-differentiable input); absent in inference (identity). */
  readonly mask?: Value;
}

/** Backward: dX = dY m / (1 - p). */
export function dropout(g: GraphBuilder, x: Value, options: DropoutOptions): Value {
  const rate = ensureNumber(options.rate, 'the dropout rate', { min: 0, max: 0.999999 });
  const mask = options.mask;
  if (!mask) return x;
  ensure(mask.shape.join('x') === x.shape.join('x'), `a mask of shape ${x.shape.join('x')}`, 'dropout', mask.shape.join('x'));
  ensure(!mask.requiresGrad, 'a mask that needs no gradient', 'dropout', mask.name);
  const factor = g.constantFloat([1 / (1 - rate)], []);
  const scaledMask = g.node('Mul', [mask, factor], [mask.shape])[0]!;
  const [y] = g.node('Mul', [x, scaledMask], [x.shape]);
  g.record('Dropout', [x], [y!], (gb, [gy]) => [gb.node('Mul', [gy!, scaledMask], [x.shape])[0]!]);
  return y!;
}

/** A keep mask of `size` values: 1 with probability 1 - rate, else 0. */
export function dropoutMask(size: number, rate: number, rng: Rng): Float32Array {
  ensureInteger(size, 'the dropout mask size', { min: 0 });
  ensureNumber(rate, 'the dropout rate', { min: 0, max: 0.999999 });
  return Float32Array.from({ length: size }, () => (rng.next() < rate ? 0 : 1));
}
