import { describe, expect, it } from 'vitest';
import { cubicWeights, interpolatePosEmbed } from '../../src/backbone/pos-embed.js';
import { InvalidArgumentError } from '../../src/core/index.js';

describe('cubicWeights (Keys, a = -0.75)', () => {
  it.each([
    [0, [0, 1, 0, 0]],
    [0.5, [-0.09375, 0.59375, 0.59375, -0.09375]],
    [0.25, [-0.10546875, 0.87890625, 0.26171875, -0.03515625]],
  ])('at t = %d', (t, expected) => {
    cubicWeights(t).forEach((w, i) => expect(w).toBeCloseTo(expected[i]!, 12));
  });
});

describe('interpolatePosEmbed', () => {
  const dim = 2;
  const side = 3;
  const grid = Float32Array.from({ length: (1 + side * side) * dim }, (_, i) => i * 0.25 - 1);

  it('returns a copy at the training grid and keeps the CLS embedding otherwise', () => {
    const same = interpolatePosEmbed(grid, dim, { rows: 3, cols: 3 });
    expect(same).toEqual(grid);
    expect(same).not.toBe(grid);
    const larger = interpolatePosEmbed(grid, dim, { rows: 5, cols: 4 });
    expect(larger.length).toBe((1 + 20) * dim);
    expect([...larger.subarray(0, dim)]).toEqual([...grid.subarray(0, dim)]);
  });

  it('keeps a constant field constant (the weights sum to 1, edges clamp)', () => {
    const constant = new Float32Array((1 + 9) * dim).fill(0.7);
    for (const value of interpolatePosEmbed(constant, dim, { rows: 6, cols: 2 })) expect(value).toBeCloseTo(0.7, 6);
  });

  it('keeps a constant field constant with antialias too, shrinking and stretching (weights normalised per sample)', () => {
    const constant = new Float32Array((1 + 9) * dim).fill(-0.3);
    for (const value of interpolatePosEmbed(constant, dim, { rows: 2, cols: 7 }, { offset: 0, antialias: true })) expect(value).toBeCloseTo(-0.3, 6);
  });

  it('rejects a non-square table', () => {
    expect(() => interpolatePosEmbed(new Float32Array(7 * dim), dim, { rows: 2, cols: 2 })).toThrow(InvalidArgumentError);
  });
});
