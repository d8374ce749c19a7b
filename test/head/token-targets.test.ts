import { describe, expect, it } from 'vitest';
import { createMask, createScalarMap, InvalidArgumentError } from '../../src/core/index.js';
import { patchForegroundFractions, tokenTargets } from '../../src/head/index.js';

/** A 4x4 mask on a 2x2 grid: cell (0,0) full, (0,1) half, (1,0) a quarter, (1,1) empty. */
function handMask() {
  const rows = [
    [1, 1, 1, 0],
    [1, 1, 1, 0],
    [1, 0, 0, 0],
    [0, 0, 0, 0],
  ];
  return createMask(4, 4, Uint8Array.from(rows.flat()));
}

describe('token targets from a pseudo-mask', () => {
  it('is the foreground fraction of each patch', () => {
    expect(Array.from(patchForegroundFractions(handMask(), { rows: 2, cols: 2 }))).toEqual([1, 0.5, 0.25, 0]);
  });

  it('weights a token by its purity |2f - 1| and leaves out those under the minimum', () => {
    const { targets, weights } = tokenTargets(handMask(), { rows: 2, cols: 2 }, { minConfidence: 0.3 });
    expect(Array.from(targets)).toEqual([1, 0.5, 0.25, 0]);
    expect(Array.from(weights)).toEqual([1, 0, 0.5, 1]);
  });

  it('scales by the map distance from the threshold over the margin, capped at 1', () => {
    const map = createScalarMap(2, 2, Float32Array.of(0.9, 0.5, 0.45, 0.0));
    const { weights } = tokenTargets(handMask(), { rows: 2, cols: 2 }, { map, threshold: 0.5, margin: 0.2, minConfidence: 0.1 });
    // purity [1, 0, 0.5, 1] x map confidence [1, 0, 0.25, 1]; 0.125 stays (>= 0.1)
    expect(Array.from(weights).map((w) => Number(w.toFixed(6)))).toEqual([1, 0, 0.125, 1]);
  });

  it('refuses a map that is not on the patch grid', () => {
    expect(() => tokenTargets(handMask(), { rows: 2, cols: 2 }, { map: createScalarMap(4, 4), threshold: 0 })).toThrow(InvalidArgumentError);
    expect(() => tokenTargets(handMask(), { rows: 2, cols: 2 }, { map: createScalarMap(4, 4), threshold: 0 })).toThrow(/expected a map of 2x2 \(the patch grid\) for the teacher map but received/);
  });
});
