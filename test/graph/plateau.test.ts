import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../src/core/index.js';
import { ReduceLrOnPlateau } from '../../src/graph/index.js';

// Golden learning rates from torch 1.13's ReduceLROnPlateau (scripts/make-cnn-fixtures.py), exact up to float64 rounding.
const fixture = JSON.parse(readFileSync(new URL('../fixtures/cnn/plateau.json', import.meta.url), 'utf8')) as {
  lr: number; metrics: number[]; runs: { settings: Record<string, number>; lrs: number[] }[];
};

describe('ReduceLrOnPlateau vs PyTorch', () => {
  it.each(fixture.runs.map((run) => [JSON.stringify(run.settings), run] as const))('%s', (_, run) => {
    const { factor, patience, threshold, min_lr: minLr, cooldown } = run.settings;
    const scheduler = new ReduceLrOnPlateau({ lr: fixture.lr, factor, patience, ...(threshold === undefined ? {} : { threshold }), minLr, ...(cooldown === undefined ? {} : { cooldown }) });
    const lrs = fixture.metrics.map((metric) => scheduler.step(metric));
    lrs.forEach((lr, epoch) => expect(lr, `epoch ${epoch}`).toBeCloseTo(run.lrs[epoch]!, 12));
  });

  it('resumes from a saved state exactly where it left off', () => {
    const settings = { lr: 1e-3, factor: 0.5, patience: 2, cooldown: 3, minLr: 1e-4 };
    const whole = new ReduceLrOnPlateau(settings);
    const expected = fixture.metrics.map((m) => whole.step(m));
    const first = new ReduceLrOnPlateau(settings);
    const head = fixture.metrics.slice(0, 20).map((m) => first.step(m));
    const resumed = new ReduceLrOnPlateau(settings);
    resumed.loadState(JSON.parse(JSON.stringify(first.saveState())));
    expect([...head, ...fixture.metrics.slice(20).map((m) => resumed.step(m))]).toEqual(expected);
  });

  it('refuses a factor of 1 or more and a NaN metric', () => {
    expect(() => new ReduceLrOnPlateau({ lr: 1e-3, factor: 1 })).toThrow(InvalidArgumentError);
    expect(() => new ReduceLrOnPlateau({ lr: 1e-3 }).step(Number.NaN)).toThrow(/expected a number for the plateau metric but received NaN/);
  });
});
