import { describe, expect, it } from 'vitest';
import { createRng } from '../../src/core/index.js';
import {
  GraphBuilder, GraphSession, add, batchNormInference, batchNormTraining, clip, conv2d, dropout, dropoutMask, foldBatchNorm, globalAveragePool, globalMaxPool,
  inputGradient, maxPool, mul, relu, relu6, scale, type Value,
} from '../../src/graph/index.js';
import { checkGradient, checkParameterGradients, type ParameterShapes } from './gradient-check.js';

// As in op-gradients.test.ts: float32, |analytic - numeric| < 2e-3 of sum |grad_i d_i| for a right rule.
// Ops with kinks (ReLU, Clip, max pooling) use eps = 1e-3 so that few inputs cross a kink between the two
// evaluations (a crossing costs ~1/N of the scale); float32 rounding at that eps stays near 1e-4 of it.
const TOLERANCE = 2e-3;
const KINKED = { eps: 1e-3 };

const rng = createRng(11);
const frozen = (g: GraphBuilder, name: string, shape: number[], spread = 0.5): Value =>
  g.weight(name, shape, Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.normal() * spread));
const positive = (g: GraphBuilder, name: string, channels: number): Value =>
  g.weight(name, [channels], Float32Array.from({ length: channels }, () => 0.5 + rng.next()));
const mask = (g: GraphBuilder, shape: number[]): Value => g.weight('mask', shape, dropoutMask(shape.reduce((a, b) => a * b, 1), 0.5, createRng(3)));

type Build = (g: GraphBuilder, x: Value) => Value;
const inputCases: [string, number[], Build, { eps?: number }?][] = [
  ['Conv 3x3, pad 1, with bias', [2, 3, 6, 5], (g, x) => conv2d(g, x, frozen(g, 'w', [4, 3, 3, 3]), frozen(g, 'b', [4]), { padding: 1 })],
  ['Conv 3x3, stride 2, pad 1 on odd sides (output_padding)', [2, 3, 7, 6], (g, x) => conv2d(g, x, frozen(g, 'w', [4, 3, 3, 3]), undefined, { stride: 2, padding: 1 })],
  ['Conv 3x2 kernel, stride 2, no pad', [1, 2, 7, 7], (g, x) => conv2d(g, x, frozen(g, 'w', [3, 2, 3, 2]), undefined, { stride: 2 })],
  ['Conv 1x1 (pointwise)', [2, 4, 3, 3], (g, x) => conv2d(g, x, frozen(g, 'w', [5, 4, 1, 1]), frozen(g, 'b', [5]))],
  ['Conv with 2 groups, stride 2', [2, 4, 6, 6], (g, x) => conv2d(g, x, frozen(g, 'w', [6, 2, 3, 3]), undefined, { stride: 2, padding: 1, groups: 2 })],
  ['Depthwise 3x3, pad 1', [2, 3, 5, 5], (g, x) => conv2d(g, x, frozen(g, 'w', [3, 1, 3, 3]), frozen(g, 'b', [3]), { padding: 1, groups: 3 })],
  ['Depthwise 3x3, stride 2, pad 1', [2, 4, 7, 8], (g, x) => conv2d(g, x, frozen(g, 'w', [4, 1, 3, 3]), undefined, { stride: 2, padding: 1, groups: 4 })],
  ['ReLU', [2, 3, 4, 4], (g, x) => relu(g, x), KINKED],
  ['ReLU6 on a spread input (both bounds)', [2, 3, 4, 4], (g, x) => relu6(g, scale(g, x, 5)), KINKED],
  ['Clip to [-1, 2]', [3, 7], (g, x) => clip(g, scale(g, x, 2), -1, 2), KINKED],
  ['GlobalAveragePool', [2, 3, 4, 5], (g, x) => globalAveragePool(g, x)],
  ['MaxPool 2x2, stride 2', [2, 3, 6, 4], (g, x) => maxPool(g, x), KINKED],
  ['MaxPool 2x2 on odd sides (floor)', [2, 2, 5, 7], (g, x) => maxPool(g, x), KINKED],
  ['Global max pool', [2, 3, 4, 4], (g, x) => globalMaxPool(g, x), KINKED],
  ['BatchNorm, training mode', [4, 3, 3, 2], (g, x) => batchNormTraining(g, x, positive(g, 's', 3), frozen(g, 'b', [3])).y],
  ['BatchNorm, training mode, squared output', [3, 2, 2, 2], (g, x) => { const y = batchNormTraining(g, x, positive(g, 's', 2), frozen(g, 'b', [2])).y; return mul(g, y, y); }],
  ['BatchNorm, inference mode', [2, 3, 3, 3], (g, x) => batchNormInference(g, x, positive(g, 's', 3), frozen(g, 'b', [3]), { mean: frozen(g, 'm', [3]), variance: positive(g, 'v', 3) })],
  ['Dropout with a fixed mask', [2, 3, 4, 4], (g, x) => dropout(g, x, { rate: 0.5, mask: mask(g, [2, 3, 4, 4]) })],
  ['Conv, BatchNorm, ReLU, MaxPool', [2, 2, 6, 6], (g, x) =>
    maxPool(g, relu(g, batchNormTraining(g, conv2d(g, x, frozen(g, 'w', [3, 2, 3, 3]), frozen(g, 'b', [3]), { padding: 1 }), positive(g, 's', 3), frozen(g, 'beta', [3])).y)), KINKED],
];

describe('CNN op backward rules (input side) vs central finite differences', () => {
  it.each(inputCases)('%s', async (_, shape, build, options) => {
    const { analytic, numeric, scale: magnitude } = await checkGradient(build, shape, options);
    expect(magnitude).toBeGreaterThan(0.1);
    expect(Math.abs(analytic - numeric)).toBeLessThan(TOLERANCE * magnitude);
  });
});

type ParameterBuild = (g: GraphBuilder, x: Value, p: readonly Value[]) => Value;
const weightCases: [string, ParameterShapes, ParameterBuild, { eps?: number }?][] = [
  ['Conv weight and bias, stride 2, pad 1, odd sides, with the input', { input: [2, 3, 7, 6], parameters: [[4, 3, 3, 3], [4]], inputDifferentiable: true },
    (g, x, [w, b]) => conv2d(g, x, w!, b!, { stride: 2, padding: 1 })],
  ['Conv weight, 3x2 kernel, stride 3, no pad', { input: [3, 2, 8, 7], parameters: [[3, 2, 3, 2]] }, (g, x, [w]) => conv2d(g, x, w!, undefined, { stride: 3 })],
  ['Grouped Conv weight (3 groups)', { input: [2, 6, 5, 5], parameters: [[9, 2, 3, 3], [9]] }, (g, x, [w, b]) => conv2d(g, x, w!, b!, { padding: 1, groups: 3 })],
  ['Depthwise Conv weight, stride 2', { input: [2, 4, 7, 7], parameters: [[4, 1, 3, 3]], inputDifferentiable: true },
    (g, x, [w]) => conv2d(g, x, w!, undefined, { stride: 2, padding: 1, groups: 4 })],
  ['Conv weight used twice (gradients accumulate)', { input: [1, 3, 5, 5], parameters: [[3, 3, 3, 3]] }, (g, x, [w]) => conv2d(g, conv2d(g, x, w!, undefined, { padding: 1 }), w!, undefined, { padding: 1 })],
  ['BatchNorm scale and bias, training mode, with the input', { input: [4, 3, 2, 3], parameters: [[3], [3]], inputDifferentiable: true },
    (g, x, [s, b]) => { const y = batchNormTraining(g, x, s!, b!).y; return mul(g, y, add(g, y, x)); }],
  ['BatchNorm scale and bias, inference mode', { input: [2, 3, 3, 2], parameters: [[3], [3]] },
    (g, x, [s, b]) => { const y = batchNormInference(g, x, s!, b!, { mean: frozen(g, 'm', [3]), variance: positive(g, 'v', 3) }); return mul(g, y, y); }],
  // No conv bias here: batch statistics subtract it again, so its gradient is zero (MICRA-Net keeps one anyway).
  ['Conv, BatchNorm, ReLU, global max pool, dropout', { input: [3, 2, 4, 4], parameters: [[3, 2, 3, 3], [3], [3]], inputDifferentiable: true },
    (g, x, [w, s, beta]) => {
      const features = globalMaxPool(g, relu(g, batchNormTraining(g, conv2d(g, x, w!, undefined, { padding: 1 }), s!, beta!).y));
      return dropout(g, features, { rate: 0.5, mask: mask(g, [3, 3, 1, 1]) });
    }, KINKED],
];

describe('CNN weight backward rules vs central finite differences', () => {
  it.each(weightCases)('%s', async (_, shapes, build, options) => {
    const checks = await checkParameterGradients(build, shapes, options);
    expect(checks).toHaveLength(shapes.parameters.length + (shapes.inputDifferentiable ? 1 : 0));
    for (const { analytic, numeric, scale: magnitude } of checks) {
      expect(magnitude).toBeGreaterThan(0.01);
      expect(Math.abs(analytic - numeric)).toBeLessThan(TOLERANCE * magnitude);
    }
  });
});

async function run(g: GraphBuilder, outputs: Record<string, Value>, x: Float32Array, dims: number[]): Promise<Record<string, Float32Array>> {
  const session = await GraphSession.create(g.toModel(outputs), { threads: 1 });
  try {
    return await session.run({ x: { data: x, dims } });
  } finally {
    await session.dispose();
  }
}

describe('CNN op forward values', () => {
  it('max pooling routes the gradient to the first maximum of each window, as PyTorch', async () => {
    const g = new GraphBuilder();
    const x = g.input('x', [1, 1, 2, 4], { differentiable: true });
    const y = maxPool(g, x);
    const seed = g.input('seed', y.shape);
    const grad = inputGradient(g, y, seed, x);
    const session = await GraphSession.create(g.toModel({ y, grad }), { threads: 1 });
    const out = await session.run({ x: { data: Float32Array.from([1, 5, 2, 2, 5, 3, 2, 0]), dims: [1, 1, 2, 4] }, seed: { data: Float32Array.from([10, 20]), dims: [1, 1, 1, 2] } });
    await session.dispose();
    expect([...out.y!]).toEqual([5, 2]);
    expect([...out.grad!]).toEqual([0, 10, 20, 0, 0, 0, 0, 0]);
  });

  it('training-mode BatchNorm returns the batch mean and biased variance and normalises with them', async () => {
    const g = new GraphBuilder();
    const x = g.input('x', ['batch', 1, 1, 2]);
    const result = batchNormTraining(g, x, g.weight('s', [1], Float32Array.of(2)), g.weight('b', [1], Float32Array.of(1)), { epsilon: 0 });
    const out = await run(g, { y: result.y, mean: result.mean, variance: result.variance }, Float32Array.from([1, 3, 5, 7]), [2, 1, 1, 2]);
    expect([...out.mean!]).toEqual([4]);
    expect([...out.variance!]).toEqual([5]);
    const expected = [1, 3, 5, 7].map((v) => (2 * (v - 4)) / Math.sqrt(5) + 1);
    out.y!.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 5));
  });

  it('a convolution with BatchNorm folded in computes what the convolution and inference BatchNorm compute', async () => {
    const values = (n: number, offset = 0): Float32Array => Float32Array.from({ length: n }, () => offset + rng.next());
    const [weight, bias, bnScale, bnBias, mean, variance] = [values(3 * 2 * 9), values(3), values(3, 0.5), values(3), values(3), values(3, 0.2)];
    const g = new GraphBuilder();
    const x = g.input('x', [1, 2, 4, 4]);
    const w = (name: string, data: Float32Array, shape = [data.length]): Value => g.weight(name, shape, data);
    const reference = batchNormInference(g, conv2d(g, x, w('w', weight, [3, 2, 3, 3]), w('b', bias), { padding: 1 }), w('s', bnScale), w('beta', bnBias),
      { mean: w('m', mean), variance: w('v', variance) });
    const folded = foldBatchNorm(weight, bias, { scale: bnScale, bias: bnBias, mean, variance });
    const fused = conv2d(g, x, w('wf', folded.weight, [3, 2, 3, 3]), w('bf', folded.bias), { padding: 1 });
    const out = await run(g, { reference, fused }, values(32), [1, 2, 4, 4]);
    out.fused!.forEach((v, i) => expect(v).toBeCloseTo(out.reference![i]!, 5));
  });

  it('dropout is the identity without a mask and scales kept values by 1 / (1 - p) with one', async () => {
    const g = new GraphBuilder();
    const x = g.input('x', [1, 4]);
    expect(dropout(g, x, { rate: 0.5 })).toBe(x);
    const y = dropout(g, x, { rate: 0.25, mask: g.weight('m', [1, 4], Float32Array.from([1, 0, 1, 1])) });
    const out = await run(g, { y }, Float32Array.from([3, 3, -6, 0]), [1, 4]);
    expect([...out.y!]).toEqual([4, 0, -8, 0]);
    const drawn = dropoutMask(10000, 0.3, createRng(1));
    expect(drawn.every((v) => v === 0 || v === 1)).toBe(true);
    expect(Math.abs(drawn.reduce((a, b) => a + b, 0) / 10000 - 0.7)).toBeLessThan(0.02);
  });

  it('rejects a weight whose channels do not match the groups, and a mask of another shape', () => {
    const g = new GraphBuilder();
    const x = g.input('x', [1, 4, 5, 5]);
    expect(() => conv2d(g, x, g.weight('w', [4, 3, 3, 3], new Float32Array(108)), undefined, { groups: 2 }))
      .toThrow(/expected a weight of 2 input channels per group \(4 channels, 2 groups\) for the convolution weight w but received '4x3x3x3'/);
    expect(() => dropout(g, x, { rate: 0.5, mask: g.input('m', [1, 4]) })).toThrow(/expected a mask of shape 1x4x5x5 for dropout/);
  });
});
