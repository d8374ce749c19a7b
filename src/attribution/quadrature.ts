/**
 * Quadrature rules for the Integrated Gradients path integral, with Captum's alphas and weights
 * (captum/attr/_utils/approximation_methods.py): the integral over alpha in [0, 1] of g(alpha) is
 * approximated by sum_k weights[k] * g(alphas[k]).
 */
import { ensureInteger, ensureOneOf } from '../core/index.js';

export const QUADRATURE_METHODS = ['gausslegendre', 'riemann_left', 'riemann_right', 'riemann_middle', 'riemann_trapezoid'] as const;
export type QuadratureMethod = (typeof QUADRATURE_METHODS)[number];

export interface QuadratureRule {
  readonly alphas: Float64Array;
  readonly weights: Float64Array;
}

/**
 * Alphas and weights of `method` with `steps` evaluation points, as Captum defines them.
 * Riemann rules need at least 2 steps (Captum asserts it). Note Captum's `riemann_trapezoid`: the
 * alphas are linspace(0, 1, n) but the weights are 1/n with both ends halved, so they sum to 1 - 1/n
 * rather than 1; we keep that so results match Captum.
 *
 * @example quadratureRule('riemann_left', 4).alphas // [0, 0.25, 0.5, 0.75], weights all 0.25
 */
export function quadratureRule(method: QuadratureMethod, steps: number): QuadratureRule {
  ensureOneOf(method, 'the quadrature method', QUADRATURE_METHODS);
  if (method === 'gausslegendre') {
    ensureInteger(steps, 'the number of Gauss-Legendre steps', { min: 1 });
    return gaussLegendreUnitInterval(steps);
  }
  ensureInteger(steps, `the number of ${method} steps`, { min: 2 });
  const weights = new Float64Array(steps).fill(1 / steps);
  if (method === 'riemann_trapezoid') {
    weights[0] = weights[0]! / 2;
    weights[steps - 1] = weights[steps - 1]! / 2;
  }
  return { alphas: riemannAlphas(method, steps), weights };
}

function riemannAlphas(method: Exclude<QuadratureMethod, 'gausslegendre'>, steps: number): Float64Array {
  switch (method) {
    case 'riemann_trapezoid':
      return linspace(0, 1, steps);
    case 'riemann_left':
      return linspace(0, 1 - 1 / steps, steps);
    case 'riemann_middle':
      return linspace(1 / (2 * steps), 1 - 1 / (2 * steps), steps);
    case 'riemann_right':
      return linspace(1 / steps, 1, steps);
  }
}

/** `torch.linspace(start, end, steps)`, but in float64 (Captum's alphas go through float32; differences < 1e-7). */
function linspace(start: number, end: number, steps: number): Float64Array {
  const out = new Float64Array(steps);
  const step = (end - start) / (steps - 1);
  for (let i = 0; i < steps; i++) out[i] = start + i * step;
  out[steps - 1] = end;
  return out;
}

/**
 * Gauss-Legendre nodes and weights on [-1, 1], ascending (as numpy's `leggauss`).
 * Golub & Welsch would use an eigensolver; for the n <= a few hundred we need, Newton's method on
 * P_n from the Chebyshev-like initial guess cos(pi (i + 3/4) / (n + 1/2)) converges in a few steps
 * (Abramowitz & Stegun 25.4.29; Numerical Recipes `gauleg`).
 */
export function gaussLegendreNodes(count: number): QuadratureRule {
  ensureInteger(count, 'the number of Gauss-Legendre nodes', { min: 1 });
  const nodes = new Float64Array(count);
  const weights = new Float64Array(count);
  for (let i = 0; i < Math.ceil(count / 2); i++) {
    let x = Math.cos((Math.PI * (i + 0.75)) / (count + 0.5));
    let derivative = 0;
    for (let iteration = 0; iteration < 100; iteration++) {
      const value = legendreWithDerivative(count, x);
      derivative = value.derivative;
      const dx = value.value / derivative;
      x -= dx;
      if (Math.abs(dx) < 1e-15) break;
    }
    derivative = legendreWithDerivative(count, x).derivative;
    const weight = 2 / ((1 - x * x) * derivative * derivative);
    // Roots come out descending from +1; mirror them so nodes are ascending.
    nodes[i] = -x;
    nodes[count - 1 - i] = x;
    weights[i] = weight;
    weights[count - 1 - i] = weight;
  }
  return { alphas: nodes, weights };
}

/** P_n(x) and P_n'(x) by the three-term recurrence (Bonnet). */
function legendreWithDerivative(degree: number, x: number): { value: number; derivative: number } {
  let previous = 1;
  let current = x;
  if (degree === 0) return { value: 1, derivative: 0 };
  for (let k = 2; k <= degree; k++) {
    const next = ((2 * k - 1) * x * current - (k - 1) * previous) / k;
    previous = current;
    current = next;
  }
  return { value: current, derivative: (degree * (x * current - previous)) / (x * x - 1) };
}

/** Gauss-Legendre mapped from [-1, 1] to [0, 1]: alphas = (1 + t) / 2, weights = w / 2 (Captum). */
function gaussLegendreUnitInterval(steps: number): QuadratureRule {
  const { alphas: nodes, weights } = gaussLegendreNodes(steps);
  return { alphas: nodes.map((t) => 0.5 * (1 + t)), weights: weights.map((w) => 0.5 * w) };
}
