import { describe, expect, it } from 'vitest';
import { createIntegratedGradients, QUADRATURE_METHODS, quadratureRule, type GradientFn } from '../../src/attribution/index.js';
import { createImageTensor, InvalidArgumentError, RuntimeError, type ImageTensor, type ProgressEvent } from '../../src/core/index.js';
import { linearModel, separableModel } from '../helpers/attribution-models.js';

const image = (values: number[], channels = 1): ImageTensor => createImageTensor(channels, 1, values.length / channels, Float32Array.from(values));

describe('createIntegratedGradients on a linear model', () => {
  const weights = [Float32Array.of(1, -2, 0.5, 3), Float32Array.of(-1, 4, 2, 0.25)];
  const x = image([0.5, -1, 2, 1.5], 2);
  const baseline = image([0.1, 0.2, -0.3, 0.4], 2);

  it.each(QUADRATURE_METHODS)('%s gives (x - x\') * w times the sum of the weights', async (method) => {
    const ig = createIntegratedGradients(linearModel(weights), { method, nSteps: 8 });
    const { attribution } = await ig.attribute(x, { target: 1, baseline });
    const weightSum = quadratureRule(method, 8).weights.reduce((a, b) => a + b, 0);
    // Every rule's weights sum to 1 except Captum's trapezoid (1 - 1/n).
    expect(weightSum).toBeCloseTo(method === 'riemann_trapezoid' ? 7 / 8 : 1, 12);
    Array.from(attribution.data).forEach((value, i) => {
      expect(value).toBeCloseTo((x.data[i]! - baseline.data[i]!) * weights[1]![i]! * weightSum, 5);
    });
  });

  it('gives the same result whatever the internal batch size', async () => {
    const whole = await createIntegratedGradients(linearModel(weights), { nSteps: 7 }).attribute(x, { target: 0 });
    const chunked = await createIntegratedGradients(linearModel(weights), { nSteps: 7, internalBatchSize: 3 }).attribute(x, { target: 0 });
    expect(Array.from(chunked.attribution.data)).toEqual(Array.from(whole.attribution.data));
  });
});

describe('quadrature error on F(x) = sum exp(x_i), zero baseline (exact IG_i = e^x_i - 1)', () => {
  const x = image([0.5, 1.5, -1, 2]);
  const model = separableModel(Math.exp, Math.exp);
  const maxError = async (method: (typeof QUADRATURE_METHODS)[number], nSteps: number): Promise<number> => {
    const { attribution } = await createIntegratedGradients(model, { method, nSteps }).attribute(x, { target: 0 });
    return Math.max(...Array.from(attribution.data, (value, i) => Math.abs(value - Math.expm1(x.data[i]!))));
  };

  it.each(['riemann_left', 'riemann_right', 'riemann_middle'] as const)('%s error shrinks as nSteps grows', async (method) => {
    const errors = [await maxError(method, 8), await maxError(method, 16), await maxError(method, 32)];
    expect(errors[1]).toBeLessThan(errors[0]!);
    expect(errors[2]).toBeLessThan(errors[1]!);
  });

  it('Gauss-Legendre beats every Riemann rule at equal steps', async () => {
    const gauss = await maxError('gausslegendre', 6);
    expect(gauss).toBeLessThan(1e-5);
    for (const method of ['riemann_left', 'riemann_right', 'riemann_middle'] as const) expect(gauss).toBeLessThan(await maxError(method, 6));
  });
});

describe('completeness', () => {
  it('sum IG ~ F(x) - F(x\') on F = sum x^3 + sin x, and the delta reports the gap', async () => {
    const model = separableModel((v) => v ** 3 + Math.sin(v), (v) => 3 * v * v + Math.cos(v));
    const x = image([0.3, -0.8, 1.2, 0.9, -0.1, 0.6], 3);
    const ig = createIntegratedGradients(model, { nSteps: 20, baseline: { kind: 'blurred', sigma: 1 }, returnConvergenceDelta: true });
    const { attribution, delta } = await ig.attribute(x, { target: 0 });
    const baseline = ig.resolveBaseline!(x);
    const F = (t: ImageTensor): number => Array.from(t.data).reduce((s, v) => s + v ** 3 + Math.sin(v), 0);
    const total = Array.from(attribution.data).reduce((a, b) => a + b, 0);
    expect(total).toBeCloseTo(F(x) - F(baseline), 5);
    expect(Math.abs(delta as number)).toBeLessThan(1e-5);
    expect(delta as number).toBeCloseTo(total - (F(x) - F(baseline)), 5);
  });
});

describe('targets, progress and contract checks', () => {
  const weights = [Float32Array.of(1, 2), Float32Array.of(3, 4)];

  it('uses predictClass when no target is given, and a target function when given', async () => {
    const ig = createIntegratedGradients(linearModel(weights), { nSteps: 4, predictClass: () => 1 });
    expect((await ig.attribute(image([1, 1]))).target).toBe(1);
    expect((await ig.attribute(image([1, 1]), { target: async () => 0 })).target).toBe(0);
    const bare = createIntegratedGradients(linearModel(weights));
    await expect(bare.attribute(image([1, 1]))).rejects.toThrow(InvalidArgumentError);
    await expect(bare.attribute(image([1, 1]), { target: -1 })).rejects.toThrow(/expected an integer >= 0 for the attribution target but received -1/);
  });

  it('reports progress that never goes backwards and ends at the total (path points + 2 for the delta)', async () => {
    const events: ProgressEvent[] = [];
    const ig = createIntegratedGradients(linearModel(weights), { nSteps: 10, internalBatchSize: 4, returnConvergenceDelta: true, onProgress: (e) => events.push(e) });
    await ig.attribute(image([1, 2]), { target: 0 });
    expect(events.map((e) => e.done)).toEqual([4, 8, 10, 12]);
    expect(events.every((e) => e.total === 12 && e.stage === 'integrated-gradients')).toBe(true);
  });

  it('evaluates path points alpha-major in chunks of internalBatchSize', async () => {
    const batches: number[] = [];
    const inner = linearModel(weights);
    const spy: GradientFn = (inputs, batch, targets) => {
      batches.push(batch);
      return inner(inputs, batch, targets);
    };
    await createIntegratedGradients(spy, { nSteps: 5, internalBatchSize: 4 }).attributeBatch({ inputs: [image([1, 2]), image([3, 4])], targets: Int32Array.of(0, 1) });
    expect(batches).toEqual([4, 4, 2]);
  });

  it('throws RuntimeError when the gradient function breaks its contract', async () => {
    const broken: GradientFn = async (inputs, batch) => ({ scores: new Float32Array(batch), gradients: new Float32Array(inputs.length - 1) });
    await expect(createIntegratedGradients(broken, { nSteps: 3 }).attribute(image([1, 2]), { target: 0 })).rejects.toThrow(RuntimeError);
  });

  it('rejects bad options with the documented message', () => {
    expect(() => createIntegratedGradients(linearModel(weights), { internalBatchSize: 0 })).toThrow(/expected an integer >= 1 for the IG internal batch size but received 0/);
    expect(() => createIntegratedGradients(linearModel(weights), { method: 'riemann_left', nSteps: 1 })).toThrow(InvalidArgumentError);
  });
});
