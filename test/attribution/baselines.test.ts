import { describe, expect, it } from 'vitest';
import { resolveBaseline } from '../../src/attribution/index.js';
import { createImageTensor, InvalidArgumentError, SizeMismatchError } from '../../src/core/index.js';

const input = createImageTensor(2, 2, 2, Float32Array.of(1, 2, 3, 4, -1, -2, -3, -4));

describe('resolveBaseline', () => {
  it('zero (default) is all zeros', () => {
    expect(Array.from(resolveBaseline(input).data)).toEqual(new Array(8).fill(0));
  });

  it('black is -mean/std per channel', () => {
    const black = resolveBaseline(input, { kind: 'black', mean: [0.5, 0.25], std: [0.25, 0.5] });
    expect(Array.from(black.data)).toEqual([-2, -2, -2, -2, -0.5, -0.5, -0.5, -0.5]);
  });

  it('blurred keeps a constant channel and sigma 0 copies the input', () => {
    const constant = createImageTensor(1, 3, 3, new Float32Array(9).fill(0.7));
    resolveBaseline(constant, { kind: 'blurred', sigma: 2 }).data.forEach((v) => expect(v).toBeCloseTo(0.7, 6));
    const copy = resolveBaseline(input, { kind: 'blurred', sigma: 0 });
    expect(Array.from(copy.data)).toEqual(Array.from(input.data));
    expect(copy.data).not.toBe(input.data);
  });

  it('uniform is reproducible from its seed and stays within the input range by default', () => {
    const a = resolveBaseline(input, { kind: 'uniform', seed: 5 });
    const b = resolveBaseline(input, { kind: 'uniform', seed: 5 });
    const c = resolveBaseline(input, { kind: 'uniform', seed: 6 });
    expect(Array.from(a.data)).toEqual(Array.from(b.data));
    expect(Array.from(a.data)).not.toEqual(Array.from(c.data));
    expect(Array.from(a.data).every((v) => v >= -4 && v <= 4)).toBe(true);
  });

  it('tensor must match the input shape', () => {
    expect(() => resolveBaseline(input, { kind: 'tensor', tensor: createImageTensor(2, 3, 2) })).toThrow(SizeMismatchError);
    expect(() => resolveBaseline(input, { kind: 'tensor', tensor: createImageTensor(1, 2, 2) })).toThrow(/expected 2 channels for the baseline tensor but received 1/);
  });

  it('rejects an unknown kind and mismatched normalisation stats', () => {
    expect(() => resolveBaseline(input, { kind: 'gray' } as never)).toThrow(/expected a baseline kind zero, black, blurred, uniform or tensor for the baseline but received 'gray'/);
    expect(() => resolveBaseline(input, { kind: 'black', mean: [0.5], std: [0.2] })).toThrow(InvalidArgumentError);
  });
});
