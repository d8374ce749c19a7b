import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  AdamW, Sgd, clipGradientNorm, cosineSchedule, stepSchedule, type AdamWOptions, type Optimizer, type SgdOptions, type TrainableTensor,
} from '../../src/graph/optim/index.js';

// PyTorch 1.13 references (scripts/make-optim-fixtures.py, test/fixtures/optim/README.md). Both sides keep
// float32 tensors; the TypeScript updates do each element's arithmetic in float64, so results agree to a
// few float32 ulps: relative 1e-5 of the largest value.
interface OptimiserCase {
  name: string;
  optimizer: 'sgd' | 'adamw';
  options: SgdOptions & AdamWOptions;
  groups: { params: string[]; lr: number; weightDecay?: number }[];
  lrFactors: number[];
  initial: Record<string, number[]>;
  gradients: Record<string, number[]>[];
  after: Record<string, number[]>[];
}
const fixture = JSON.parse(readFileSync(new URL('../fixtures/optim/optim.json', import.meta.url), 'utf8'));
const optimiserCases = fixture.optimizers as OptimiserCase[];

function expectClose(actual: ArrayLike<number>, expected: readonly number[], relative = 1e-5): void {
  const scale = Math.max(...expected.map(Math.abs), 1e-12);
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) expect(Math.abs(actual[i]! - expected[i]!)).toBeLessThan(relative * scale);
}

function makeOptimiser(c: OptimiserCase, tensors: Map<string, TrainableTensor>): Optimizer {
  const groups = c.groups.map((group) => ({ ...group, params: group.params.map((name) => tensors.get(name)!) }));
  return c.optimizer === 'sgd' ? new Sgd(groups, c.options) : new AdamW(groups, c.options as AdamWOptions);
}

const tensorsOf = (c: OptimiserCase): Map<string, TrainableTensor> =>
  new Map(Object.entries(c.initial).map(([name, values]) => [name, { name, data: Float32Array.from(values) }]));
const gradientsAt = (c: OptimiserCase, step: number): Map<string, Float32Array> =>
  new Map(Object.entries(c.gradients[step]!).map(([name, values]) => [name, Float32Array.from(values)]));

describe('optimisers against torch.optim (in place, with schedule factors between steps)', () => {
  it.each(optimiserCases.map((c) => [c.name, c] as const))('%s', (_, c) => {
    const tensors = tensorsOf(c);
    const optimiser = makeOptimiser(c, tensors);
    c.after.forEach((expected, step) => {
      optimiser.setLearningRateFactor(c.lrFactors[step]!);
      optimiser.step(gradientsAt(c, step));
      for (const [name, values] of Object.entries(expected)) expectClose(tensors.get(name)!.data, values);
    });
    expect(optimiser.steps).toBe(c.after.length);
    expect(optimiser.learningRates()).toEqual(c.groups.map((g) => g.lr * c.lrFactors.at(-1)!));
  });

  it('resumes from saved state exactly where an uninterrupted run would be', () => {
    const c = optimiserCases.find((k) => k.optimizer === 'adamw')!;
    const first = tensorsOf(c);
    const optimiser = makeOptimiser(c, first);
    for (const step of [0, 1]) optimiser.step(gradientsAt(c, step));
    const resumed = new Map([...first].map(([name, t]) => [name, { name, data: t.data.slice() }]));
    const restored = makeOptimiser(c, resumed);
    restored.loadState(optimiser.saveState());
    for (const step of [2, 3]) {
      optimiser.step(gradientsAt(c, step));
      restored.step(gradientsAt(c, step));
    }
    for (const [name, t] of first) expect(resumed.get(name)!.data).toEqual(t.data);
    expect(restored.steps).toBe(4);
  });

  it('refuses a missing or mis-sized gradient, a parameter in two groups, and a bad option', () => {
    const a = { name: 'a', data: new Float32Array(3) };
    const sgd = new Sgd([{ params: [a], lr: 0.1 }]);
    expect(() => sgd.step(new Map())).toThrow(/expected a gradient for a but received none/);
    expect(() => sgd.step(new Map([['a', new Float32Array(2)]]))).toThrow(/expected 3 values for the gradient of a/);
    expect(() => new Sgd([{ params: [a], lr: 0.1 }, { params: [a], lr: 0.2 }])).toThrow(/each parameter in one group/);
    expect(() => new Sgd([{ params: [a], lr: -1 }])).toThrow(/learning rate/);
    expect(() => new Sgd([{ params: [a], lr: 0.1 }], { nesterov: true })).toThrow(/Nesterov/);
  });
});

describe('learning-rate schedules against torch.optim.lr_scheduler', () => {
  const cases = fixture.schedules as { name: string; kind: 'step' | 'cosine'; options: never; factors: number[] }[];
  it.each(cases.map((c) => [c.name, c] as const))('%s', (_, c) => {
    const schedule = c.kind === 'step' ? stepSchedule(c.options) : cosineSchedule(c.options);
    expectClose(c.factors.map((_, epoch) => schedule(epoch)), c.factors, 1e-9);
  });

  it('holds the cosine at its floor after the last epoch', () => {
    expect(cosineSchedule({ totalEpochs: 4, minFactor: 0.1 })(9)).toBeCloseTo(0.1, 12);
  });
});

describe('clipGradientNorm against torch.nn.utils.clip_grad_norm_', () => {
  const cases = fixture.clip as { maxNorm: number; gradients: number[][]; norm: number; clipped: number[][] }[];
  it.each(cases.map((c) => [c.maxNorm, c] as const))('max norm %d', (_, c) => {
    const gradients = c.gradients.map((g) => Float32Array.from(g));
    expect(clipGradientNorm(gradients, c.maxNorm)).toBeCloseTo(c.norm, 5);
    gradients.forEach((g, k) => expectClose(g, c.clipped[k]!));
  });

  it('stops on a non-finite gradient instead of spreading NaN into the weights', () => {
    expect(() => clipGradientNorm([Float32Array.from([1, Number.NaN])], 1)).toThrow(/gradient norm is NaN/);
  });
});
