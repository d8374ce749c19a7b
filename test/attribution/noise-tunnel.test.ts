import { describe, expect, it } from 'vitest';
import { createIntegratedGradients, createNoiseTunnel, seededNoise, type AttributionMethod } from '../../src/attribution/index.js';
import { createImageTensor, InvalidArgumentError, type ImageTensor } from '../../src/core/index.js';
import { separableModel } from '../helpers/attribution-models.js';

const image = (values: number[]): ImageTensor => createImageTensor(1, 1, values.length, Float32Array.from(values));

/** "Attribution" = the input itself, so smoothing statistics are those of the noisy inputs. */
const identity: AttributionMethod = {
  name: 'identity',
  attributeBatch: async ({ inputs }) => ({ attributions: inputs.map((t) => createImageTensor(t.channels, t.rows, t.cols, t.data.slice())) }),
};

describe('createNoiseTunnel', () => {
  const fixedNoise = [[1, -2], [3, 0], [-1, 2]];
  const noise = (_input: number, sample: number): Float32Array => Float32Array.from(fixedNoise[sample]!);
  const x = image([10, 20]);

  it.each([
    // samples: x + noise = [11, 18], [13, 20], [9, 22]
    ['smoothgrad', [11, 20]],
    ['smoothgrad_sq', [(121 + 169 + 81) / 3, (324 + 400 + 484) / 3]],
    ['vargrad', [(121 + 169 + 81) / 3 - 121, (324 + 400 + 484) / 3 - 400]],
  ] as const)('%s on hand-computed noisy copies', async (ntType, expected) => {
    const { attribution } = await createNoiseTunnel(identity, { ntType, ntSamples: 3, noise }).attribute(x, { target: 0 });
    expected.forEach((value, i) => expect(attribution.data[i]).toBeCloseTo(value, 4));
  });

  it('reproduces the same noise from the same seed, independent of ntSamplesBatchSize', async () => {
    const run = (seed: number, ntSamplesBatchSize: number) => createNoiseTunnel(identity, { ntSamples: 5, stdevs: 0.5, seed, ntSamplesBatchSize }).attribute(x, { target: 0 });
    const a = await run(3, 5);
    const b = await run(3, 2);
    const c = await run(4, 5);
    expect(Array.from(b.attribution.data)).toEqual(Array.from(a.attribution.data));
    expect(Array.from(c.attribution.data)).not.toEqual(Array.from(a.attribution.data));
  });

  it('draws noise with the requested standard deviation', () => {
    const draws = seededNoise(1, 0.3)(0, 0, 20000);
    const mean = draws.reduce((s, v) => s + v, 0) / draws.length;
    const variance = draws.reduce((s, v) => s + (v - mean) ** 2, 0) / draws.length;
    expect(Math.abs(mean)).toBeLessThan(0.01);
    expect(Math.sqrt(variance)).toBeCloseTo(0.3, 2);
  });

  it('keeps the IG baseline of the clean input (Captum perturbs inputs only)', async () => {
    // F = sum x^2: IG from the clean blurred baseline b is x_noisy^2 - b^2 per feature (exact with Gauss-Legendre).
    const ig = createIntegratedGradients(separableModel((v) => v * v, (v) => 2 * v), { nSteps: 4, baseline: { kind: 'blurred', sigma: 1 } });
    const input = image([1, 2, 3, 4]);
    const baseline = ig.resolveBaseline!(input);
    const tunnel = createNoiseTunnel(ig, { ntSamples: 2, noise: (_i, s) => new Float32Array(4).fill(s === 0 ? 0.5 : -0.5) });
    const { attribution } = await tunnel.attribute(input, { target: 0 });
    input.data.forEach((v, i) => {
      const expected = ((v + 0.5) ** 2 + (v - 0.5) ** 2) / 2 - baseline.data[i]! ** 2;
      expect(attribution.data[i]).toBeCloseTo(expected, 4);
    });
  });

  it('returns one convergence delta per noisy sample when the wrapped method gives deltas', async () => {
    const ig = createIntegratedGradients(separableModel((v) => v * v, (v) => 2 * v), { nSteps: 4, returnConvergenceDelta: true });
    const result = await createNoiseTunnel(ig, { ntSamples: 3, stdevs: 0.1, seed: 9 }).attributeBatch({ inputs: [image([1, 2]), image([3, 4])], targets: Int32Array.of(0, 0) });
    expect(result.deltas?.length).toBe(6);
    expect(Array.from(result.deltas!).every((d) => Math.abs(d) < 1e-4)).toBe(true);
  });

  it('rejects invalid options with the documented message', () => {
    expect(() => createNoiseTunnel(identity, { ntSamples: 0 })).toThrow(/expected an integer >= 1 for the NoiseTunnel sample count but received 0/);
    expect(() => createNoiseTunnel(identity, { ntType: 'smooth' as never })).toThrow(InvalidArgumentError);
    expect(() => createNoiseTunnel(identity, { stdevs: -1 })).toThrow(/expected a finite number >= 0 for the NoiseTunnel stdevs/);
  });
});
