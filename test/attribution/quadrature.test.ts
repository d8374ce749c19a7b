import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { gaussLegendreNodes, quadratureRule, QUADRATURE_METHODS } from '../../src/attribution/index.js';
import { InvalidArgumentError } from '../../src/core/index.js';

const fixture = JSON.parse(readFileSync(new URL('../fixtures/attribution/toy-mlp-ig.json', import.meta.url), 'utf8')) as {
  legendre: Record<string, { nodes: number[]; weights: number[] }>;
};

describe('quadratureRule (Captum alphas and step sizes)', () => {
  it.each([
    ['riemann_left', [0, 0.25, 0.5, 0.75], [0.25, 0.25, 0.25, 0.25]],
    ['riemann_right', [0.25, 0.5, 0.75, 1], [0.25, 0.25, 0.25, 0.25]],
    ['riemann_middle', [0.125, 0.375, 0.625, 0.875], [0.25, 0.25, 0.25, 0.25]],
    // Captum halves the end weights of 1/n, so they sum to 1 - 1/n, not 1.
    ['riemann_trapezoid', [0, 1 / 3, 2 / 3, 1], [0.125, 0.25, 0.25, 0.125]],
  ] as const)('%s with 4 steps', (method, alphas, weights) => {
    const rule = quadratureRule(method, 4);
    alphas.forEach((a, i) => expect(rule.alphas[i]).toBeCloseTo(a, 12));
    weights.forEach((w, i) => expect(rule.weights[i]).toBeCloseTo(w, 12));
  });

  it('maps Gauss-Legendre with 2 nodes to (1 -+ 1/sqrt 3) / 2 with weights 1/2', () => {
    const rule = quadratureRule('gausslegendre', 2);
    expect(rule.alphas[0]).toBeCloseTo((1 - 1 / Math.sqrt(3)) / 2, 14);
    expect(rule.alphas[1]).toBeCloseTo((1 + 1 / Math.sqrt(3)) / 2, 14);
    expect(Array.from(rule.weights)).toEqual([0.5, 0.5].map((w) => expect.closeTo(w, 14)));
  });

  it.each(['1', '2', '5', '50'])('matches numpy leggauss(%s) to 1e-13', (n) => {
    const reference = fixture.legendre[n]!;
    const rule = gaussLegendreNodes(Number(n));
    reference.nodes.forEach((x, i) => expect(Math.abs(rule.alphas[i]! - x)).toBeLessThan(1e-13));
    reference.weights.forEach((w, i) => expect(Math.abs(rule.weights[i]! - w)).toBeLessThan(1e-13));
  });

  it('integrates polynomials of degree 2n - 1 exactly with n Gauss-Legendre nodes', () => {
    const rule = quadratureRule('gausslegendre', 4);
    const integral = rule.alphas.reduce((sum, a, i) => sum + rule.weights[i]! * (8 * a ** 7 + 3 * a ** 2), 0);
    expect(integral).toBeCloseTo(2, 13);
  });

  it.each(QUADRATURE_METHODS)('%s weights are positive and its alphas lie in [0, 1]', (method) => {
    const rule = quadratureRule(method, 17);
    expect(rule.alphas.every((a) => a >= 0 && a <= 1)).toBe(true);
    expect(rule.weights.every((w) => w > 0)).toBe(true);
  });

  it('rejects too few steps and unknown methods with the documented message', () => {
    expect(() => quadratureRule('riemann_left', 1)).toThrow(InvalidArgumentError);
    expect(() => quadratureRule('riemann_left', 1)).toThrow(/expected an integer >= 2 for the number of riemann_left steps but received 1/);
    expect(() => quadratureRule('gausslegendre', 0)).toThrow(/expected an integer >= 1/);
    expect(() => quadratureRule('simpson' as never, 5)).toThrow(/expected one of gausslegendre, .* for the quadrature method but received 'simpson'/);
  });
});
