import { afterAll, describe, expect, it } from 'vitest';
import { VitModel } from '../../src/backbone/vit-model.js';
import { createRng } from '../../src/core/index.js';
import { loadTinyVit } from './vit-fixture.js';

// The tiny ViT (16x16 input, patch 4, dim 32, depth 2, heads 2, 3-class head) with the fixture's weights.
// Float32 central differences with eps = 1e-2 along a random direction; the directional derivative must
// agree within 1e-2 relative (the whole network in float32; a wrong rule misses by far more).
const fixture = loadTinyVit();
const model = await VitModel.create(fixture.stateDict, fixture.config, { head: fixture.head, threads: 1 });
afterAll(() => model.dispose());

const rng = createRng(11);
const randn = (n: number): Float32Array => Float32Array.from({ length: n }, () => rng.normal());

describe('tiny ViT input gradient vs central finite differences', () => {
  it('agrees along a random direction for a random seed', async () => {
    const batch = 2;
    const size = batch * 3 * 16 * 16;
    const pixels = randn(size);
    const seed = randn(batch * 3);
    const direction = randn(size);
    const eps = 1e-2;
    const loss = async (at: Float32Array): Promise<number> => {
      const { logits } = await model.forward(at, batch, ['logits']);
      return logits!.reduce((sum, value, i) => sum + value * seed[i]!, 0);
    };
    const { gradient } = await model.inputGradient(pixels, batch, seed);
    const analytic = gradient.reduce((sum, value, i) => sum + value * direction[i]!, 0);
    const numeric = ((await loss(pixels.map((v, i) => v + eps * direction[i]!))) - (await loss(pixels.map((v, i) => v - eps * direction[i]!)))) / (2 * eps);
    expect(Math.abs(analytic)).toBeGreaterThan(1e-3);
    expect(Math.abs(analytic - numeric)).toBeLessThan(1e-2 * Math.abs(numeric));
  });

  it('gives each sample its own gradient: a batch equals its samples run alone (symbolic batch)', async () => {
    const pixels = randn(2 * 768);
    const seed = Float32Array.from([1, 0, 0, 0, 0, 1]);
    const both = await model.inputGradient(pixels, 2, seed);
    const second = await model.inputGradient(pixels.slice(768), 1, seed.slice(3));
    for (let i = 0; i < 768; i++) expect(both.gradient[768 + i]).toBeCloseTo(second.gradient[i]!, 5);
    expect(both.logits[5]).toBeCloseTo(second.logits[2]!, 5);
  });

  it('returns patch tokens, queries and values of the documented shapes', async () => {
    const out = await model.forward(randn(768), 1, ['patchTokens', 'queries', 'values', 'attention']);
    expect(out.patchTokens!.length).toBe(16 * 32);
    expect(out.queries!.length).toBe(2 * 17 * 16);
    expect(out.values!.length).toBe(2 * 17 * 16);
    for (let row = 0; row < 2 * 17; row++) {
      const sum = out.attention!.subarray(row * 17, row * 17 + 17).reduce((a, b) => a + b, 0);
      expect(sum).toBeCloseTo(1, 5);
    }
  });
});
