import { describe, expect, it } from 'vitest';
import { clsAttentionMap, featureMap, fuseRelevanceAndFeature, headAttentionMap, normalizeMinMax, perHeadAttentionMaps, principalComponentMap, tokenNormMap } from '../../src/features/index.js';
import { createScalarMap, InvalidArgumentError } from '../../src/core/index.js';

const grid = { rows: 2, cols: 2 };
/** Two heads over 1 + 4 tokens; only the CLS rows matter: head 0 -> [.1 .2 .3 .4] on patches, head 1 -> [.4 .3 .2 .1]. */
function attentionFixture(): Float32Array {
  const tokens = 5;
  const attention = new Float32Array(2 * tokens * tokens).fill(0.2);
  attention.set([0, 0.1, 0.2, 0.3, 0.4], 0);
  attention.set([0, 0.4, 0.3, 0.2, 0.1], tokens * tokens);
  return attention;
}

describe('ViT attention maps', () => {
  it('reads the CLS-to-patch row per head and averages over heads', () => {
    const attention = attentionFixture();
    expect(Array.from(headAttentionMap(attention, grid, 1).data)).toEqual(Array.from(Float32Array.of(0.4, 0.3, 0.2, 0.1)));
    expect(perHeadAttentionMaps(attention, grid)).toHaveLength(2);
    clsAttentionMap(attention, grid).data.forEach((v) => expect(v).toBeCloseTo(0.25, 6));
  });

  it('rejects an attention array whose size does not fit the grid, and an absent head', () => {
    expect(() => clsAttentionMap(new Float32Array(24), grid)).toThrow(/expected a multiple of 25 values \(\[heads, 1\+N, 1\+N\]\) for the attention array/);
    expect(() => headAttentionMap(attentionFixture(), grid, 2)).toThrow(InvalidArgumentError);
  });
});

describe('patch-token maps', () => {
  it('token norm is the L2 norm per patch', () => {
    const tokens = Float32Array.of(3, 4, 0, 0, 1, 0, 6, 8);
    expect(Array.from(tokenNormMap(tokens, grid).data)).toEqual([5, 0, 1, 10]);
  });

  it('PCA projects on the closed-form leading eigenvector of a 2-D covariance', () => {
    // Points (x, y) with covariance [[a, b], [b, c]]; leading eigenvector angle 0.5 atan2(2b, a - c).
    const points = [[2, 1], [-1, 0.5], [0.5, -2], [-1.5, 0.5]];
    const tokens = Float32Array.from(points.flat());
    const mean = [0, 1].map((d) => points.reduce((s, p) => s + p[d]!, 0) / 4);
    const centred = points.map((p) => [p[0]! - mean[0]!, p[1]! - mean[1]!]);
    const [a, b, c] = [[0, 0], [0, 1], [1, 1]].map(([i, j]) => centred.reduce((s, p) => s + p[i!]! * p[j!]!, 0));
    const angle = 0.5 * Math.atan2(2 * b!, a! - c!);
    const expected = centred.map((p) => p[0]! * Math.cos(angle) + p[1]! * Math.sin(angle));
    const map = principalComponentMap(tokens, grid);
    const sign = Math.sign(map.data[0]! * expected[0]!);
    expected.forEach((v, i) => expect(map.data[i]).toBeCloseTo(sign * v, 5));
  });

  it('PCA sign agrees with the reference map and identical tokens give zeros', () => {
    const tokens = Float32Array.of(1, 1, 2, 2, 3, 3, 4, 4);
    const up = principalComponentMap(tokens, grid, { signReference: createScalarMap(2, 2, Float32Array.of(0, 1, 2, 3)) });
    const down = principalComponentMap(tokens, grid, { signReference: createScalarMap(2, 2, Float32Array.of(3, 2, 1, 0)) });
    expect(up.data[3]).toBeGreaterThan(0);
    expect(Array.from(down.data)).toEqual(Array.from(up.data, (v) => -v));
    expect(Array.from(principalComponentMap(new Float32Array(8).fill(2), grid).data)).toEqual([0, 0, 0, 0]);
  });
});

describe('normalisation, feature maps and fusion', () => {
  it('min-max normalises and maps a constant map to zeros', () => {
    expect(Array.from(normalizeMinMax(createScalarMap(1, 3, Float32Array.of(2, 4, 6))).data)).toEqual([0, 0.5, 1]);
    expect(Array.from(normalizeMinMax(createScalarMap(1, 3, Float32Array.of(5, 5, 5))).data)).toEqual([0, 0, 0]);
  });

  it('featureMap returns the normalised patch map and its upsampling to the image', () => {
    const { patch, image } = featureMap({ ...grid, attention: attentionFixture() }, { kind: 'head-attention', head: 0, outputSize: { rows: 8, cols: 8 } });
    expect(Array.from(patch.data)).toEqual([0, 1 / 3, 2 / 3, 1].map((v) => expect.closeTo(v, 6)));
    expect([image.rows, image.cols]).toEqual([8, 8]);
    expect(image.data[0]).toBeCloseTo(0, 6);
    expect(image.data[63]).toBeCloseTo(1, 6);
    expect(() => featureMap(grid, { kind: 'pca', outputSize: { rows: 4, cols: 4 } })).toThrow(/expected the last-block patch tokens for the pca feature map/);
  });

  it('fuses by elementwise product of normalised maps, renormalised', () => {
    const relevance = createScalarMap(1, 4, Float32Array.of(0, 2, 4, 4));
    const feature = createScalarMap(1, 4, Float32Array.of(1, 1, 0.5, 0));
    const { relevance: r, feature: f, fused } = fuseRelevanceAndFeature(relevance, feature);
    expect(Array.from(r.data)).toEqual([0, 0.5, 1, 1]);
    expect(Array.from(f.data)).toEqual([1, 1, 0.5, 0]);
    // products 0, 0.5, 0.5, 0 -> renormalised 0, 1, 1, 0
    expect(Array.from(fused.data)).toEqual([0, 1, 1, 0]);
  });

  it('fusion resizes a patch-grid feature map to the relevance size', () => {
    const { fused } = fuseRelevanceAndFeature(createScalarMap(4, 4, new Float32Array(16).fill(1).map((_, i) => i)), createScalarMap(2, 2, Float32Array.of(1, 1, 1, 1)));
    expect([fused.rows, fused.cols]).toEqual([4, 4]);
    // A constant feature normalises to zeros, so nothing survives the product.
    expect(Array.from(fused.data).every((v) => v === 0)).toBe(true);
  });
});
