import { describe, expect, it } from 'vitest';
import { createRng } from '../../src/core/index.js';
import {
  GraphBuilder, add, binaryCrossEntropyWithLogits, gradients, lossGradients, layerNorm, linear, matMul, mul, patchConv, scale, softmaxCrossEntropy,
  type Value,
} from '../../src/graph/index.js';
import { checkParameterGradients, type ParameterShapes } from './gradient-check.js';

// As in op-gradients.test.ts: float32, eps = 1e-2, so |analytic - numeric| stays well under 2e-3 of
// sum |grad_i d_i| for a right rule; a wrong one misses by O(1).
const TOLERANCE = 2e-3;

const rng = createRng(7);
const frozen = (g: GraphBuilder, name: string, shape: number[]): Value =>
  g.weight(name, shape, Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.normal() * 0.5));
/** Target rows as a frozen tensor: one-hot (hard labels) or multi-hot, by class index lists. */
const targets = (g: GraphBuilder, name: string, rows: number[][], classes: number): Value =>
  g.weight(name, [rows.length, classes], Float32Array.from({ length: rows.length * classes }, (_, i) => (rows[Math.floor(i / classes)]!.includes(i % classes) ? 1 : 0)));

type Build = (g: GraphBuilder, x: Value, p: readonly Value[]) => Value;
const cases: [string, ParameterShapes, Build][] = [
  ['Linear weight and bias on a 3-D input, with the input gradient', { input: [2, 3, 4], parameters: [[5, 4], [5]], inputDifferentiable: true },
    (g, x, [w, b]) => linear(g, x, w!, b!)],
  ['Linear weight on a 2-D input, no bias', { input: [3, 4], parameters: [[2, 4]] }, (g, x, [w]) => linear(g, x, w!)],
  ['Linear bias alone on a frozen weight', { input: [2, 3, 4], parameters: [[5]] }, (g, x, [b]) => linear(g, x, frozen(g, 'w', [5, 4]), b!)],
  ['Linear weight used twice (gradients accumulate)', { input: [3, 4], parameters: [[4, 4]] }, (g, x, [w]) => linear(g, linear(g, x, w!), w!)],
  ['MatMul with a parameter as right operand', { input: [2, 3, 4], parameters: [[2, 4, 5]], inputDifferentiable: true }, (g, x, [w]) => matMul(g, x, w!)],
  ['Add of a bias broadcast over leading axes', { input: [2, 3, 4], parameters: [[4]] }, (g, x, [b]) => add(g, x, b!)],
  ['Add of a [1, T, D] embedding broadcast over the batch', { input: [2, 3, 4], parameters: [[1, 3, 4]] }, (g, x, [e]) => add(g, e!, x)],
  ['Add of a [3, 1] column broadcast inside', { input: [2, 3, 4], parameters: [[3, 1]] }, (g, x, [c]) => mul(g, add(g, x, c!), x)],
  ['Mul by a trainable per-feature scale', { input: [2, 3, 4], parameters: [[4]], inputDifferentiable: true }, (g, x, [s]) => mul(g, x, s!)],
  ['LayerNorm scale and bias, with the input gradient', { input: [2, 3, 8], parameters: [[8], [8]], inputDifferentiable: true },
    (g, x, [s, b]) => layerNorm(g, x, s!, b!, 1e-6)],
  ['LayerNorm scale alone, frozen bias', { input: [4, 6], parameters: [[6]] }, (g, x, [s]) => layerNorm(g, x, s!, frozen(g, 'beta', [6]), 1e-6)],
  ['Patch Conv weight and bias, with the input gradient', { input: [2, 3, 8, 4], parameters: [[5, 3, 4, 4], [5]], inputDifferentiable: true },
    (g, x, [w, b]) => patchConv(g, x, w!, b!)],
  ['Patch Conv weight alone, patch 2, no bias', { input: [1, 2, 4, 6], parameters: [[3, 2, 2, 2]] }, (g, x, [w]) => patchConv(g, x, w!)],
  ['Softmax cross-entropy with class weights on a linear layer', { input: [4, 5], parameters: [[3, 5], [3]], inputDifferentiable: true },
    (g, x, [w, b]) => softmaxCrossEntropy(g, linear(g, x, w!, b!), targets(g, 't', [[0], [2], [1], [2]], 3), { classWeights: [0.5, 2, 1] })],
  ['Softmax cross-entropy, unweighted, on raw logits', { input: [3, 4], parameters: [[4]], inputDifferentiable: true },
    (g, x, [b]) => softmaxCrossEntropy(g, add(g, x, b!), targets(g, 't', [[3], [0], [1]], 4))],
  ['Binary cross-entropy with logits and positive weights', { input: [4, 5], parameters: [[3, 5], [3]], inputDifferentiable: true },
    (g, x, [w, b]) => binaryCrossEntropyWithLogits(g, linear(g, x, w!, b!), targets(g, 't', [[0, 2], [], [1], [0, 1, 2]], 3), { positiveWeights: [3, 0.5, 1] })],
  ['Binary cross-entropy with large logits (the stable softplus)', { input: [3, 2], parameters: [[2]], inputDifferentiable: true },
    (g, x, [b]) => binaryCrossEntropyWithLogits(g, scale(g, add(g, x, b!), 8), targets(g, 't', [[0], [1], []], 2))],
];

describe('weight backward rules and losses vs central finite differences', () => {
  it.each(cases)('%s', async (_, shapes, build) => {
    const checks = await checkParameterGradients(build, shapes);
    expect(checks).toHaveLength(shapes.parameters.length + (shapes.inputDifferentiable ? 1 : 0));
    for (const { analytic, numeric, scale: magnitude } of checks) {
      expect(magnitude).toBeGreaterThan(0.01);
      expect(Math.abs(analytic - numeric)).toBeLessThan(TOLERANCE * magnitude);
    }
  });
});

describe('trainable parameters in the builder', () => {
  it('declares a parameter once, as a graph input, and refuses a second shape or a frozen weight of that name', () => {
    const g = new GraphBuilder();
    const w = g.parameter('w', [2, 3]);
    expect(g.parameter('w', [2, 3])).toBe(w);
    expect(w.requiresGrad).toBe(true);
    expect(() => g.parameter('w', [3, 2])).toThrow(/expected 2x3 for the parameter w declared again but received '3x2'/);
    g.weight('frozen', [1], Float32Array.from([1]));
    expect(() => g.parameter('frozen', [1])).toThrow(/a name not used by a frozen weight/);
  });

  it('refuses gradients for a frozen weight, a parameter the output does not use, and a non-scalar loss', () => {
    const g = new GraphBuilder();
    const x = g.input('x', [2, 3]);
    const used = g.parameter('used', [4, 3]);
    const unused = g.parameter('unused', [4]);
    const frozenWeight = g.weight('frozen', [4], new Float32Array(4));
    const y = add(g, linear(g, x, used), frozenWeight);
    expect(() => lossGradients(g, y, [used])).toThrow(/expected a scalar for the loss but received 2x4/);
    const seed = g.input('seed', [2, 4]);
    expect(() => gradients(g, y, seed, [frozenWeight])).toThrow(/does not depend on the differentiable value frozen/);
    expect(() => gradients(g, y, seed, [unused])).toThrow(/no gradient reached unused/);
  });
});
