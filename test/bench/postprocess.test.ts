import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../src/core/index.js';
import { benchPostprocess, plantedEllipse, POSTPROCESS_TARGETS_MS } from '../../src/bench/postprocess.js';

describe('benchPostprocess (tiny sizes: structure and sanity, not speed)', () => {
  // Equalisation is off here: on a continuous map it flattens the histogram and Otsu then splits near the
  // median, so the default chain marks about half the pixels (reported to the lead).
  const result = benchPostprocess({ runs: 3, size: 64, patchGrid: 12, pixelGrid: 32, seed: 1, morphology: { equalize: false } });

  it('reports a median of the timed runs against each target', () => {
    for (const [name, target] of Object.entries(POSTPROCESS_TARGETS_MS)) {
      const entry = result[name as keyof typeof POSTPROCESS_TARGETS_MS];
      expect(entry.timesMs).toHaveLength(3);
      expect(entry.medianMs).toBe([...entry.timesMs].sort((a, b) => a - b)[1]);
      expect(entry).toMatchObject({ targetMs: target, meetsTarget: entry.medianMs <= target });
    }
    expect(result.runs).toBe(3);
  });

  it('finds the planted object in every case (a broken stage would not)', () => {
    expect(result.morphology.plantedIou).toBeGreaterThan(0.8);
    expect(result.patchNcut.plantedIou).toBeGreaterThan(0.8);
    expect(result.pixelNcut.plantedIou).toBeGreaterThan(0.8);
    expect(result.crf.plantedIou).toBeGreaterThan(0.8);
  });

  it('plants an ellipse of about 12% of the grid, off centre', () => {
    const mask = plantedEllipse(100, 100);
    const area = mask.data.reduce((a, b) => a + b, 0) / 1e4;
    expect(area).toBeCloseTo(Math.PI * 0.22 * 0.17, 2);
    expect(mask.data[45 * 100 + 55]).toBe(1);
  });

  it('rejects zero runs', () => {
    expect(() => benchPostprocess({ runs: 0 })).toThrow(InvalidArgumentError);
  });
});
