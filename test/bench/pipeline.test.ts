/**
 * benchPipeline with a tiny random ViT injected (the ViT-S/16 run takes minutes; see the report for numbers):
 * the shape of the result, that the explanation is timed once per setting and image and shared by the four
 * variants, and that a setting's overrides reach every variant.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRng, InvalidArgumentError, type ProgressEvent } from '../../src/core/index.js';
import { VitModel } from '../../src/backbone/vit-model.js';
import { benchPipeline, syntheticBlobImage, type PipelineBenchResult } from '../../src/bench/pipeline.js';
import { IMAGENET_NORMALISATION } from '../../src/data/index.js';
import { createLinearHead, type HeadModel } from '../../src/head/index.js';
import { variantNames } from '../../src/pipeline/config/presets.js';
import { TINY_VIT, tinyVitStateDict } from '../helpers/tiny-vit-weights.js';

let model: VitModel;
let head: HeadModel;
let result: PipelineBenchResult;
const events: ProgressEvent[] = [];

/** Cheap settings: the toy explanation at two step counts, one of them without DenseCRF. */
const SETTINGS = {
  small: { inputSize: 16, explain: { nSteps: 4, ntSamples: 1, internalBatchSize: 8 }, mask: { ncut: { pixelGridSize: 16 } } },
  noCrf: { inputSize: 16, explain: { nSteps: 2, ntSamples: 0, internalBatchSize: 8 }, mask: { ncut: { pixelGridSize: 16 } }, crf: { enabled: false } },
};

beforeAll(async () => {
  const rng = createRng(4);
  const weight = Float32Array.from({ length: 2 * TINY_VIT.dim }, () => rng.normal() * 0.2);
  head = {
    head: createLinearHead(['a', 'b'], TINY_VIT.dim, weight), featureKind: 'cls', inputSize: 16, normalisation: IMAGENET_NORMALISATION,
    backbone: { sha256: '0'.repeat(64), config: null }, training: { seed: 0, config: null },
  };
  model = await VitModel.create(tinyVitStateDict(), TINY_VIT, { head: { weight: head.head.weight, bias: head.head.bias, features: 'cls' } });
  result = await benchPipeline({ classifier: { model, head, weights: 'tiny' }, settings: SETTINGS, runs: 1, onProgress: (event) => events.push(event) });
}, 60_000);

afterAll(async () => model?.dispose());

describe('benchPipeline on a tiny ViT (16-pixel input) and two synthetic 300x360 images', () => {
  it('reports every variant at every setting, split into explain, mask and crf, summing to the total', () => {
    expect(Object.keys(result.settings)).toEqual(['small', 'noCrf']);
    for (const setting of Object.values(result.settings)) {
      expect(Object.keys(setting.variants)).toEqual(variantNames);
      expect(setting.explainSeconds).toBeGreaterThanOrEqual(0);
      for (const seconds of Object.values(setting.variants)) {
        expect(seconds.mask).toBeGreaterThanOrEqual(0);
        expect(seconds.total).toBeCloseTo(setting.explainSeconds + seconds.mask + seconds.crf, 3);
      }
    }
    expect(Object.keys(result.secondsPerImage)).toEqual(['small', 'noCrf'].flatMap((s) => variantNames.map((v) => `${s}/${v}`)));
    expect(result.secondsPerImage['noCrf/xncut']).toBe(result.settings.noCrf!.variants.xncut.total);
  });

  // Structural, not timed: a timing threshold fails at random on a busy machine (timings belong in benchmarks).
  it("carries each setting's overrides: the explain settings are recorded, and CRF off skips the CRF step", () => {
    expect(result.settings.small!.explain).toEqual({ nSteps: 4, ntSamples: 1, method: 'gausslegendre' });
    expect(result.settings.noCrf!.explain).toEqual({ nSteps: 2, ntSamples: 0, method: 'gausslegendre' });
    for (const variant of variantNames) {
      expect(result.settings.noCrf!.variants[variant]).toMatchObject({ crfApplied: false, crf: 0 });
      expect(result.settings.small!.variants[variant].crfApplied).toBe(true);
    }
  });

  it('explains once per setting, image and run: progress counts 2 settings x 2 images x 1 run, never backwards', () => {
    expect(result).toMatchObject({ images: 2, runs: 1, inputSize: 16, weights: 'tiny', head: 'injected' });
    expect(events.map((event) => event.done)).toEqual([1, 2, 3, 4]);
    expect(events.every((event) => event.total === 4 && event.stage === 'bench-pipeline')).toBe(true);
  });

  it('describes the machine it ran on', () => {
    expect(result.machine.cores).toBeGreaterThan(0);
    expect(result.machine.loadAverageStart).toHaveLength(3);
    expect(result.machine.loadAverageEnd).toHaveLength(3);
  });

  it('rejects invalid run and thread counts before loading anything', async () => {
    await expect(benchPipeline({ runs: 0 })).rejects.toThrow(InvalidArgumentError);
    await expect(benchPipeline({ runs: 1, threads: 0 })).rejects.toThrow(/the benchmark threads/);
  });

  it('makes distinct seeded synthetic images in [0, 1]', () => {
    const [a, b] = [syntheticBlobImage(1, 30, 40), syntheticBlobImage(2, 30, 40)];
    expect(Array.from(a.data)).toEqual(Array.from(syntheticBlobImage(1, 30, 40).data));
    expect(Array.from(a.data)).not.toEqual(Array.from(b.data));
    expect(Math.min(...a.data)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...a.data)).toBeLessThanOrEqual(1);
  });
});
