import { describe, expect, it } from 'vitest';
import { createImageTensor, createMask } from '../../../src/core/index.js';
import { createLinearHead, type HeadModel } from '../../../src/head/index.js';
import { mapRocAuc } from '../../../src/metrics/index.js';
import { classifierMaps, referenceMaps, tokenEvidenceMap } from '../../../src/pipeline/method/index.js';

describe('tokenEvidenceMap', () => {
  it('is z_target - z_other for two classes and the log-odds against the rest for three', () => {
    const two = tokenEvidenceMap(Float32Array.of(1, 3, 2, -1), { classes: 2, target: 1, grid: { rows: 1, cols: 2 } });
    expect(Array.from(two.data)).toEqual([2, -3]);
    const three = tokenEvidenceMap(Float32Array.of(0, 0, 1), { classes: 3, target: 2, grid: { rows: 1, cols: 1 } });
    expect(three.data[0]).toBeCloseTo(1 - Math.log(2), 6);
  });
});

describe('classifierMaps', () => {
  // A 2x2 patch grid; token 3 carries feature 0, the head's class 1 reads feature 0.
  const grid = { rows: 2, cols: 2 };
  const patchTokens = Float32Array.of(0, 1, 0, 1, 0, 1, 5, 1);
  const attention = new Float32Array(5 * 5).fill(0.2);
  const head = { head: createLinearHead(['background', 'lesion'], 2, Float32Array.of(0, 0, 1, 0), Float32Array.of(0, 0)), featureKind: 'cls' } as HeadModel;

  it('gives the patch-token map of the target class and every feature map on the patch grid', () => {
    const maps = classifierMaps({ grid, attention, patchTokens, logits: Float32Array.of(0, 1) }, { head, target: 1 });
    expect(Array.from(maps['patch-logits']!.data)).toEqual([0, 0, 0, 5]);
    expect(Object.keys(maps).sort()).toEqual(['cls-attention', 'head-attention', 'patch-logits', 'pca', 'token-norm']);
    expect(maps['token-norm']!.rows).toBe(2);
  });

  it('leaves out patch-logits for a head on the last four CLS tokens', () => {
    const maps = classifierMaps({ grid, attention, patchTokens, logits: Float32Array.of(0, 1) }, { head: { ...head, featureKind: 'clsLast4' }, target: 1 });
    expect(maps['patch-logits']).toBeUndefined();
  });
});

describe('referenceMaps', () => {
  it('ranks a centred disc perfectly with the centre prior, and the bright and dark maps are inverse', () => {
    const image = createImageTensor(1, 8, 8);
    const disc = createMask(8, 8);
    for (let y = 0; y < 8; y++) for (let x = 0; x < 8; x++) {
      const inside = (y - 3.5) ** 2 + (x - 3.5) ** 2 < 6;
      disc.data[y * 8 + x] = inside ? 1 : 0;
      image.data[y * 8 + x] = inside ? 0.9 : 0.1;
    }
    const maps = referenceMaps(image);
    expect(mapRocAuc(maps['centre-prior'], disc)).toBe(1);
    expect(mapRocAuc(maps['intensity-bright'], disc)).toBe(1);
    expect(mapRocAuc(maps['intensity-dark'], disc)).toBe(0);
  });
});
