import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidArgumentError, WeightsError, createRng } from '../../../src/core/index.js';
import { VitModel } from '../../../src/backbone/vit-model.js';
import { loadGeneric, type Dataset } from '../../../src/data/index.js';
import { trainClassifier } from '../../../src/pipeline/training/train-classifier.js';
import { loadBackbone, vitConfigFromStateDict } from '../../../src/backbone/load-backbone.js';
import { createVitFeatureExtractor, featureDimOf } from '../../../src/pipeline/model/feature-extractor.js';
import { makeTempDir, writeSolid } from '../../data/synthetic.js';
import { TINY_VIT, tinyVitStateDict, writeTinyVitSafetensors } from '../../helpers/tiny-vit-weights.js';

const SIDE = 16;
const IMAGE_VALUES = 3 * SIDE * SIDE;

function randomPixels(n: number, seed: number): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: n * IMAGE_VALUES }, () => rng.normal());
}

let model: VitModel;
beforeAll(async () => {
  model = await VitModel.create(tinyVitStateDict(), TINY_VIT);
});
afterAll(async () => model.dispose());

describe('createVitFeatureExtractor', () => {
  it('cuts a large call into backbone runs and gives the same CLS features as one run', async () => {
    const pixels = randomPixels(7, 1);
    const whole = (await model.forward(pixels, 7, ['cls'])).cls!;
    const chunked = await createVitFeatureExtractor(model, { batchSize: 3 })(pixels, 7);
    expect(chunked.length).toBe(7 * 32);
    let worst = 0;
    for (let i = 0; i < whole.length; i++) worst = Math.max(worst, Math.abs(whole[i]! - chunked[i]!));
    expect(worst).toBeLessThan(1e-5);
    // Distinct inputs give distinct features (a constant extractor would pass the shape check above).
    expect(chunked.subarray(0, 32)).not.toEqual(chunked.subarray(32, 64));
  });

  it('returns an empty array for zero images and rejects a wrong pixel count', async () => {
    const extract = createVitFeatureExtractor(model);
    expect((await extract(new Float32Array(0), 0)).length).toBe(0);
    await expect(extract(new Float32Array(IMAGE_VALUES + 1), 1)).rejects.toThrow(/expected 768 values \(\[n, 3, 16, 16\]\) for the feature input but received 769/);
  });

  it('rejects clsLast4 on a ViT with fewer than 4 blocks, and unknown kinds or batch sizes', () => {
    expect(() => createVitFeatureExtractor(model, { featureKind: 'clsLast4' })).toThrow(InvalidArgumentError);
    expect(() => createVitFeatureExtractor(model, { featureKind: 'mean' as never })).toThrow(/expected one of cls, clsLast4 for the feature kind/);
    expect(() => createVitFeatureExtractor(model, { batchSize: 0 })).toThrow(/the feature batch size/);
  });

  it('gives 4D features for clsLast4 on a 4-block ViT', async () => {
    const config = { ...TINY_VIT, depth: 4 };
    const deep = await VitModel.create(tinyVitStateDict(3, config), config);
    try {
      const features = await createVitFeatureExtractor(deep, { featureKind: 'clsLast4', batchSize: 2 })(randomPixels(3, 2), 3);
      expect(featureDimOf(config, 'clsLast4')).toBe(128);
      expect(features.length).toBe(3 * 128);
      // The last quarter is the final block's normed CLS, which is exactly the 'cls' output.
      const cls = (await deep.forward(randomPixels(3, 2), 3, ['cls'])).cls!;
      expect(Array.from(features.subarray(96, 128), (v, i) => Math.abs(v - cls[i]!)).every((d) => d < 1e-5)).toBe(true);
    } finally {
      await deep.dispose();
    }
  });
});

describe('vitConfigFromStateDict and loadBackbone', () => {
  it('infers the runner config from shapes (heads by option; dim < 64 would give one)', () => {
    expect(vitConfigFromStateDict(tinyVitStateDict(), { heads: 2 })).toEqual(TINY_VIT);
    expect(vitConfigFromStateDict(tinyVitStateDict()).heads).toBe(1);
  });

  it('reports a missing tensor as a WeightsError naming the file', () => {
    const dict = tinyVitStateDict();
    dict.delete('blocks.1.mlp.fc2.bias');
    expect(() => vitConfigFromStateDict(dict, { file: 'w.safetensors' })).toThrow(WeightsError);
    expect(() => vitConfigFromStateDict(dict, { file: 'w.safetensors' })).toThrow(/w\.safetensors: missing tensor blocks\.1\.mlp\.fc2\.bias \[32\]/);
  });

  it('loads a safetensors file with its SHA-256 and the trained input size by default', async () => {
    const path = await writeTinyVitSafetensors(join(await makeTempDir('vit-features-'), 'tiny.safetensors'));
    const loaded = await loadBackbone(path, { heads: 2 });
    try {
      expect(loaded.sha256).toBe(createHash('sha256').update(readFileSync(path)).digest('hex'));
      expect(loaded.config).toEqual(TINY_VIT);
      expect([loaded.model.rows, loaded.model.cols]).toEqual([16, 16]);
      const pixels = randomPixels(2, 5);
      const fromFile = (await loaded.model.forward(pixels, 2, ['cls'])).cls!;
      const inMemory = (await model.forward(pixels, 2, ['cls'])).cls!;
      expect(Array.from(fromFile, (v, i) => Math.abs(v - inMemory[i]!)).every((d) => d < 1e-6)).toBe(true);
    } finally {
      await loaded.model.dispose();
    }
    await expect(loadBackbone(path, { inputSize: 18 })).rejects.toThrow(/a multiple of the patch size 4/);
  });
});

describe('trainClassifier through the real ViT', () => {
  let dataset: Dataset;
  beforeAll(async () => {
    const root = await makeTempDir('vit-train-');
    for (let i = 0; i < 10; i++) {
      await writeSolid(join(root, 'dark', `d${i}.png`), 20, 20, [30 + 4 * i, 40, 60]);
      await writeSolid(join(root, 'light', `l${i}.png`), 20, 20, [200, 190 + 3 * i, 150]);
    }
    dataset = await loadGeneric(root);
  });

  it('trains a head on CLS features of generated images and separates the two classes', async () => {
    const result = await trainClassifier(dataset, {
      extractFeatures: createVitFeatureExtractor(model, { batchSize: 4 }), featureDim: 32, inputSize: SIDE,
      backbone: { sha256: 'ab'.repeat(32), config: TINY_VIT }, seed: 1,
      split: { seed: 1, fractions: { train: 0.6, val: 0.2, test: 0.2 } }, head: { epochs: 60, lr: 0.05 },
    });
    expect(result.split.val.length).toBeGreaterThan(0);
    expect(result.report!.accuracy).toBe(1);
    expect(result.report!.rocAuc).toBe(1);
    expect(result.head.head.dim).toBe(32);
    expect(result.head.inputSize).toBe(SIDE);
  });
});
