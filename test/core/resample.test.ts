import { describe, expect, it } from 'vitest';
import { createMask, createScalarMap, resizeMapBilinear, resizeMaskNearest } from '../../src/core/index.js';

describe('resizeMapBilinear', () => {
  it('matches PyTorch align_corners=False on a 2x2 -> 4x4 upsampling', () => {
    // torch.nn.functional.interpolate(torch.tensor([[[[0.,1.],[2.,3.]]]]), size=4, mode='bilinear', align_corners=False)
    const out = resizeMapBilinear(createScalarMap(2, 2, Float32Array.from([0, 1, 2, 3])), 4, 4);
    expect(Array.from(out.data)).toEqual([0, 0.25, 0.75, 1, 0.5, 0.75, 1.25, 1.5, 1.5, 1.75, 2.25, 2.5, 2, 2.25, 2.75, 3]);
  });

  it('keeps a constant map constant', () => {
    const out = resizeMapBilinear(createScalarMap(3, 5, new Float32Array(15).fill(0.7)), 7, 2);
    for (const v of out.data) expect(v).toBeCloseTo(0.7, 6);
  });
});

describe('resizeMaskNearest', () => {
  it('doubles each pixel when upsampling by 2', () => {
    const out = resizeMaskNearest(createMask(2, 2, Uint8Array.from([1, 0, 0, 1])), 4, 4);
    expect(Array.from(out.data)).toEqual([1, 1, 0, 0, 1, 1, 0, 0, 0, 0, 1, 1, 0, 0, 1, 1]);
  });
});
