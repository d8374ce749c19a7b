import { describe, expect, it } from 'vitest';
import { createRng } from '../../src/core/index.js';
import {
  add, concat, div, gelu, layerNorm, linear, matMul, mul, patchConv, reduceMean, reduceSum, reshape, scale, select, slice,
  softmax, split, sub, transpose, type GraphBuilder, type Value,
} from '../../src/graph/index.js';
import { checkGradient } from './gradient-check.js';

// Float32 in onnxruntime, eps = 1e-2: truncation error ~eps^2 and rounding ~1e-7/eps of the loss, so
// |analytic - numeric| stays well under 2e-3 of sum |grad_i d_i|. A wrong rule misses by O(1).
const TOLERANCE = 2e-3;

const rng = createRng(5);
const weight = (g: GraphBuilder, name: string, shape: number[]): Value =>
  g.weight(name, shape, Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.normal() * 0.5));

const cases: [string, number[], (g: GraphBuilder, x: Value) => Value][] = [
  ['Add with a broadcast weight', [2, 3, 4], (g, x) => add(g, x, weight(g, 'b', [4]))],
  ['Add of x and its broadcast row mean (both differentiable)', [2, 3, 4], (g, x) => add(g, x, reduceMean(g, x, [-1]))],
  ['Sub, x minus a broadcast column sum', [3, 5], (g, x) => sub(g, reduceSum(g, x, [0]), x)],
  ['Mul of x and x (same value twice)', [2, 6], (g, x) => mul(g, x, x)],
  ['Mul broadcasting [2,1,4] against [3,1]', [2, 1, 4], (g, x) => mul(g, x, reshape(g, slice(g, reshape(g, x, [8]), 0, 2, 5), [3, 1]))],
  ['Div with a differentiable denominator', [2, 5], (g, x) => div(g, x, add(g, mul(g, x, x), g.constantFloat([1.5], [])))],
  ['Scale', [4], (g, x) => scale(g, x, -2.5)],
  ['GELU (erf form)', [3, 7], (g, x) => gelu(g, x)],
  ['MatMul of two activations (x x^T)', [2, 3, 4], (g, x) => matMul(g, x, transpose(g, x, [0, 2, 1]))],
  ['Linear on a 3-D input (Gemm transB)', [2, 3, 4], (g, x) => linear(g, x, weight(g, 'w', [5, 4]), weight(g, 'bias', [5]))],
  ['Linear on a 2-D input', [3, 4], (g, x) => linear(g, x, weight(g, 'w', [2, 4]))],
  ['Patch Conv (stride = kernel)', [2, 3, 8, 4], (g, x) => patchConv(g, x, weight(g, 'w', [5, 3, 4, 4]), weight(g, 'bias', [5]))],
  ['Reshape and Transpose', [2, 3, 4], (g, x) => transpose(g, reshape(g, x, [2, 2, 6]), [2, 0, 1])],
  ['Concat along the middle axis', [2, 3, 2], (g, x) => concat(g, [x, weight(g, 'c', [2, 1, 2]), mul(g, x, x)], 1)],
  ['Slice and select', [3, 5, 2], (g, x) => add(g, slice(g, x, 1, 1, 4), reshape(g, select(g, x, 1, 0), [3, 1, 2]))],
  ['Split with one part unused', [2, 6], (g, x) => { const [a, , c] = split(g, x, 1, [2, 1, 3]); return concat(g, [mul(g, a!, a!), c!], 1); }],
  ['ReduceSum without kept dims', [2, 3, 4], (g, x) => mul(g, reduceSum(g, x, [0, 2], { keepDims: false }), weight(g, 'r', [3]))],
  ['ReduceMean over the last axis, squared', [2, 3, 4], (g, x) => { const m = reduceMean(g, x, [-1], { keepDims: false }); return mul(g, m, m); }],
  ['Softmax over the last axis', [2, 3, 5], (g, x) => softmax(g, x, -1)],
  ['Softmax over axis 0', [4, 3], (g, x) => softmax(g, x, 0)],
  ['LayerNorm with scale and bias', [2, 3, 8], (g, x) => layerNorm(g, x, weight(g, 'gamma', [8]), weight(g, 'beta', [8]), 1e-6)],
];

describe('op backward rules vs central finite differences', () => {
  it.each(cases)('%s', async (_, shape, build) => {
    const { analytic, numeric, scale: magnitude } = await checkGradient(build, shape);
    expect(magnitude).toBeGreaterThan(0.1);
    expect(Math.abs(analytic - numeric)).toBeLessThan(TOLERANCE * magnitude);
  });
});
