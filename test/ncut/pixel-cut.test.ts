import { describe, expect, it } from 'vitest';
import { createImageTensor } from '../../src/core/index.js';
import { segmentPixelsNormalizedCut } from '../../src/ncut/index.js';
import { createMap } from './map.js';

describe('segmentPixelsNormalizedCut', () => {
  const rows = 20;
  const cols = 22;
  const inDisc = (r: number, c: number): boolean => (r - 9) ** 2 + (c - 12) ** 2 < 30;
  const relevance = createMap(rows, cols, (r, c) => (inDisc(r, c) ? 0.85 : 0.1) + 0.03 * Math.sin(r * 1.3 + c * 0.7));

  it.each(['mean', 'sweep'] as const)('segments a relevant disc exactly (split %s), foreground = higher mean relevance', (split) => {
    const image = createImageTensor(1, rows, cols, Float32Array.from(relevance.data, (v) => 0.5 + 0.1 * v));
    const { mask, cut } = segmentPixelsNormalizedCut(relevance, { image, radius: 4, sigmaFeature: 0.2, sigmaSpace: 3, split });
    const expected = Array.from({ length: rows * cols }, (_, p) => (inDisc(Math.floor(p / cols), p % cols) ? 1 : 0));
    expect(Array.from(mask.data)).toEqual(expected);
    expect(cut.converged).toBe(true);
  });

  it('returns an empty mask for a constant relevance map', () => {
    const { mask, cut } = segmentPixelsNormalizedCut(createMap(6, 6, () => 0.4));
    expect(mask.data.every((v) => v === 0)).toBe(true);
    expect(cut.ncut).toBe(Infinity);
  });

  it('rejects a malformed relevance map', () => {
    expect(() => segmentPixelsNormalizedCut({ rows: 3, cols: 3, data: new Float32Array(8) }))
      .toThrow("expected 9 values for the relevance map's data but received 8");
  });
});
