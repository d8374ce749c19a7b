import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../../src/core/index.js';
import type { VitModel } from '../../../src/backbone/vit-model.js';
import { imageToBatch, resizeImage } from '../../../src/data/index.js';
import type { HeadModel } from '../../../src/head/index.js';
import type { PipelineConfig } from '../../../src/pipeline/config/types.js';
import { explainImage, gradientEvaluationsPerImage } from '../../../src/pipeline/method/explain-image.js';
import { blobImage, explainConfig, tinyClassifier } from '../../helpers/explain-fixture.js';

let model: VitModel;
let head: HeadModel;

beforeAll(async () => {
  ({ model, head } = await tinyClassifier());
});
afterAll(async () => {
  await model.dispose();
});

const sum = (values: Float32Array): number => values.reduce((total, value) => total + value, 0);

describe('explainImage on a tiny random ViT (patch 4, dim 32, depth 2, heads 2, 16x16)', () => {
  it('is complete: sum of IG equals F(x) - F(baseline) within 1e-4 relative at 50 Gauss-Legendre steps (measured 2e-6; 8 steps give 1.4e-3)', async () => {
    const config = explainConfig({ nSteps: 50, method: 'gausslegendre', ntSamples: 0, baseline: 'zero' });
    const result = await explainImage(blobImage(16, 16), { model, head, config });
    const pixels = imageToBatch([await resizeImage(blobImage(16, 16), 16)], head.normalisation);
    const atInput = (await model.forward(pixels, 1, ['logits'])).logits![result.predictedClass]!;
    const atBaseline = (await model.forward(new Float32Array(pixels.length), 1, ['logits'])).logits![result.predictedClass]!;
    const difference = atInput - atBaseline;
    expect(Math.abs(difference)).toBeGreaterThan(0.05);
    expect(Math.abs(sum(result.attribution.data) - difference)).toBeLessThan(1e-4 * Math.abs(difference));
    expect(result.convergence.scoreDifference).toBeCloseTo(difference, 4);
    expect(result.convergence.deltas).toHaveLength(1);
    expect(result.convergence.relativeDelta).toBeLessThan(1e-4);
  });

  it('predicts the argmax of softmax(logits) and explains that class', async () => {
    const config = explainConfig({ nSteps: 4, ntSamples: 0 });
    const result = await explainImage(blobImage(16, 16), { model, head, config });
    expect(sum(result.probabilities)).toBeCloseTo(1, 5);
    const expected = result.logits[0]! >= result.logits[1]! ? 0 : 1;
    expect(result.predictedClass).toBe(expected);
    expect(result.className).toBe(head.head.classes[expected]);
  });

  it('gives maps at the original size with values in [0, 1]', async () => {
    const config = explainConfig({ nSteps: 4, ntSamples: 2 }, { fusion: { feature: 'token-norm' } });
    const result = await explainImage(blobImage(21, 30), { model, head, config });
    expect([result.attribution.channels, result.attribution.rows, result.attribution.cols]).toEqual([3, 16, 16]);
    expect([result.relevance.input.rows, result.relevance.input.cols]).toEqual([16, 16]);
    expect([result.feature.patch.rows, result.feature.patch.cols]).toEqual([4, 4]);
    for (const map of [result.relevance.original, result.feature.original, result.fused]) {
      expect([map.rows, map.cols]).toEqual([21, 30]);
      expect(Math.min(...map.data)).toBeGreaterThanOrEqual(0);
      expect(Math.max(...map.data)).toBeLessThanOrEqual(1);
    }
    expect(Math.max(...result.fused.data)).toBeCloseTo(1, 5);
    expect(result.convergence.deltas).toHaveLength(2);
    expect(Object.keys(result.timingsMs)).toEqual(expect.arrayContaining(['resize', 'predict', 'attribution', 'relevance', 'fusion', 'total']));
  });

  it('reproduces NoiseTunnel from the seed and changes with it', async () => {
    const config = explainConfig({ nSteps: 4, ntSamples: 3, stdevs: 0.5 });
    const image = blobImage(16, 16);
    const first = await explainImage(image, { model, head, config, seed: 7 });
    const again = await explainImage(image, { model, head, config, seed: 7 });
    const other = await explainImage(image, { model, head, config, seed: 8 });
    expect(Array.from(again.attribution.data)).toEqual(Array.from(first.attribution.data));
    expect(Array.from(other.attribution.data)).not.toEqual(Array.from(first.attribution.data));
  });

  it('reports progress that never goes backwards and ends at the evaluation count', async () => {
    const config = explainConfig({ nSteps: 4, ntSamples: 2, internalBatchSize: 3 });
    const done: number[] = [];
    await explainImage(blobImage(16, 16), { model, head, config }, (event) => {
      expect(event.total).toBe(gradientEvaluationsPerImage(config.explain));
      done.push(event.done);
    });
    expect(done).toEqual([...done].sort((a, b) => a - b));
    expect(done.at(-1)).toBe(2 * (4 + 2));
  });

  it('accepts every baseline kind and rejects an unknown view', async () => {
    for (const baseline of ['black', 'blurred', 'uniform'] as const) {
      const result = await explainImage(blobImage(16, 16), { model, head, config: explainConfig({ nSteps: 2, ntSamples: 0, baseline }) });
      expect(Number.isFinite(result.convergence.scoreDifference)).toBe(true);
    }
    const unknown = { ...explainConfig({ nSteps: 2 }), view: 'mosaic' } as unknown as PipelineConfig;
    await expect(explainImage(blobImage(16, 16), { model, head, config: unknown })).rejects.toThrow(/expected one of resize, tiles/);
  });
});
