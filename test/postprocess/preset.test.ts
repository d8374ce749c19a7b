import { describe, expect, it } from 'vitest';
import { createRng, createScalarMap, InvalidArgumentError, type ScalarMap } from '../../src/core/index.js';
import {
  binarizeAtValue, DEFAULT_MORPHOLOGY_CHAIN, equalizeHistogram, maskFromMapMorphology, thresholdOtsu,
} from '../../src/postprocess/index.js';

/** A bright disk (the "lesion") plus noise and a bright stripe along the left border (an artefact). */
function syntheticRelevance(size: number, seed: number): ScalarMap {
  const rng = createRng(seed);
  const map = createScalarMap(size, size);
  const centre = size / 2;
  const radius = size / 6;
  for (let r = 0; r < size; r++) {
    for (let c = 0; c < size; c++) {
      const inside = (r - centre) ** 2 + (c - centre) ** 2 <= radius * radius;
      const stripe = c < size / 40;
      map.data[r * size + c] = (inside || stripe ? 1 : 0) + 0.3 * rng.next();
    }
  }
  return map;
}

function diskOverlap(mask: Uint8Array, size: number): { inside: number; outside: number } {
  const centre = size / 2;
  const radius = size / 6;
  let inside = 0;
  let outside = 0;
  for (let i = 0; i < mask.length; i++) {
    const r = Math.floor(i / size);
    const c = i % size;
    const inDisk = (r - centre) ** 2 + (c - centre) ** 2 <= radius * radius;
    if (mask[i]) inDisk ? inside++ : outside++;
  }
  return { inside, outside };
}

describe('maskFromMapMorphology (paper section 3.5 chain)', () => {
  const size = 96;
  const map = syntheticRelevance(size, 1);
  const diskArea = Math.PI * (size / 6) ** 2;

  it('recovers the disk and drops the border stripe (Otsu on the raw map)', () => {
    const { mask, threshold } = maskFromMapMorphology(map, { equalize: false });
    const { inside, outside } = diskOverlap(mask.data, size);
    expect(threshold).toBeGreaterThan(0.3);
    expect(threshold).toBeLessThan(1);
    expect(inside / diskArea).toBeGreaterThan(0.97);
    expect(outside).toBeLessThan(0.05 * diskArea);
  });

  it('keeps the border stripe when clearBorder is off and thresholds at a fixed value when given', () => {
    const kept = maskFromMapMorphology(map, { clearBorder: false });
    expect(kept.mask.data[(size / 2) * size]).toBe(1);
    const fixed = maskFromMapMorphology(map, { equalize: false, threshold: 0.65 });
    expect(fixed.threshold).toBe(0.65);
  });

  it('with equalisation on, thresholds the equalised map: all steps off equals equalise + Otsu', () => {
    const off = { minObjectSize: 0, clearBorder: false, dilateRadius: 0, erodeRadius: 0, fillHoles: false };
    const { mask, threshold } = maskFromMapMorphology(map, { ...off, equalize: true });
    const equalized = equalizeHistogram(map);
    expect(threshold).toBe(thresholdOtsu(equalized));
    expect(Array.from(mask.data)).toEqual(Array.from(binarizeAtValue(equalized, threshold).data));
  });

  it('keeps the mask when clearing the border would empty it, unless told otherwise', () => {
    const stripeOnly = createScalarMap(20, 20);
    for (let r = 0; r < 20; r++) stripeOnly.data[r * 20] = 1;
    const base = { equalize: false, minObjectSize: 0, dilateRadius: 0, erodeRadius: 0 };
    expect(maskFromMapMorphology(stripeOnly, base).mask.data.reduce((a, b) => a + b, 0)).toBe(20);
    const strict = maskFromMapMorphology(stripeOnly, { ...base, keepIfBorderClearEmpties: false });
    expect(strict.mask.data.every((v) => v === 0)).toBe(true);
  });

  it('keepLargest leaves a single component', () => {
    const { mask } = maskFromMapMorphology(map, { equalize: false, clearBorder: false, keepLargest: true });
    expect(diskOverlap(mask.data, size).outside).toBeLessThan(0.05 * diskArea);
  });

  it('returns an empty mask for a constant map and rejects a negative radius', () => {
    const flat = createScalarMap(8, 8).data.fill(0.5);
    expect(maskFromMapMorphology(createScalarMap(8, 8, flat)).mask.data.every((v) => v === 0)).toBe(true);
    expect(() => maskFromMapMorphology(map, { dilateRadius: -1 })).toThrow(InvalidArgumentError);
    expect(Object.isFrozen(DEFAULT_MORPHOLOGY_CHAIN)).toBe(true);
  });

  it('runs on a 512x512 map well within budget (target 50 ms; asserted loosely for shared CI)', () => {
    const big = syntheticRelevance(512, 2);
    maskFromMapMorphology(big);
    const start = performance.now();
    const runs = 5;
    for (let i = 0; i < runs; i++) maskFromMapMorphology(big);
    const perRun = (performance.now() - start) / runs;
    expect(perRun).toBeLessThan(500);
  });
});
