import { access } from 'node:fs/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { MobileNetV2Model, loadMobileNetV2 } from '../../src/backbone/index.js';
import { InvalidArgumentError, SizeMismatchError, WeightsError } from '../../src/core/index.js';
import { loadTinyMobileNetV2 } from './cnn-fixture.js';
import { maxRelativeError } from './vit-fixture.js';

// Golden values from scripts/make-cnn-fixtures.py (torch 1.13, float32). Tolerance 1e-4 of the largest
// magnitude, as for the ViT: float32 sums in another order differ by ~1e-6 relative.
const TOLERANCE = 1e-4;
const fixture = loadTinyMobileNetV2();
const models: MobileNetV2Model[] = [];

async function tinyModel(rows: number, cols: number): Promise<MobileNetV2Model> {
  const model = await MobileNetV2Model.create(fixture.stateDict, { layout: fixture.layout, head: fixture.head, inputSize: { rows, cols }, threads: 1 });
  models.push(model);
  return model;
}

afterAll(async () => {
  for (const model of models) await model.dispose();
});

describe.each(fixture.cases.map((c) => [`${c.rows}x${c.cols}`, c] as const))('tiny MobileNetV2 at %s vs PyTorch', (_, c) => {
  it('matches the feature map, the pooled feature and the logits', async () => {
    const model = await tinyModel(c.rows, c.cols);
    expect(model.featureGrid).toEqual({ rows: c.grid[0], cols: c.grid[1] });
    const out = await model.forward(c.arrays.pixels, c.batch, ['featureMap', 'pooled', 'logits']);
    for (const name of ['featureMap', 'pooled', 'logits'] as const) {
      expect(out[name]!.length, name).toBe(c.arrays[name].length);
      expect(maxRelativeError(out[name]!, c.arrays[name]), name).toBeLessThan(TOLERANCE);
    }
  });

  it('matches the input gradient of sum(seed * logits) from torch autograd', async () => {
    const model = await tinyModel(c.rows, c.cols);
    const { logits, gradient } = await model.inputGradient(c.arrays.pixels, c.batch, c.arrays.seed);
    expect(maxRelativeError(logits, c.arrays.logits)).toBeLessThan(TOLERANCE);
    expect(maxRelativeError(gradient, c.arrays.gradient)).toBeLessThan(TOLERANCE);
  });
});

describe('MobileNetV2Model arguments', () => {
  it('rejects pixels and seeds of the wrong length, logits without a head and a tiny input', async () => {
    const model = await tinyModel(32, 32);
    await expect(model.forward(new Float32Array(10), 1)).rejects.toThrow(/expected 3072 values \(1x3x32x32\) for the pixels but received 10/);
    await expect(model.inputGradient(new Float32Array(3072), 1, new Float32Array(2))).rejects.toThrow(SizeMismatchError);
    const headless = await MobileNetV2Model.create(fixture.stateDict, { layout: fixture.layout, inputSize: 32 });
    models.push(headless);
    await expect(headless.forward(new Float32Array(3072), 1, ['logits'])).rejects.toThrow(/expected a model created with a head for the output logits/);
    await expect(MobileNetV2Model.create(fixture.stateDict, { layout: fixture.layout, inputSize: 4 })).rejects.toThrow(InvalidArgumentError);
  });

  it('reports every missing, mis-shaped and mis-chained tensor at once', async () => {
    const broken = new Map(fixture.stateDict);
    broken.delete('conv_9_bias');
    broken.set('conv_12_weight', { shape: [18, 1, 3, 3, 1], data: new Float32Array(162) });
    broken.set('conv_14_weight', { shape: [7, 18, 1, 1], data: new Float32Array(126) });
    const error = await MobileNetV2Model.create(broken, { layout: fixture.layout }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WeightsError);
    expect((error as WeightsError).problems).toEqual([
      'missing tensor conv_9_bias',
      'expected [out, 18 or 1, k, k] with k odd for conv_12_weight but received 18x1x3x3x1',
      'expected 7 for conv_14_bias but received 6',
      'expected [out, 7 or 1, k, k] with k odd for conv_16_weight but received 18x6x1x1',
      'expected stride 1 and equal input and output channels for the residual block [10, 12, 14] but received stride 1, 6 -> 7',
    ]);
  });
});

const SHARED = new URL('../../../shared/weights/mobilenetv2-imagenet', import.meta.url).pathname;
const shared = await access(SHARED).then(() => true, () => false);
if (!shared) console.warn(`skipping the shared MobileNetV2 weights test: ${SHARED} is absent (../shared is not checked out here)`);

describe.skipIf(!shared)('the shared MobileNetV2-1.0 ImageNet weights', () => {
  it('load with their checksums, give a 1280 x 7 x 7 ReLU6 map at 224 and its mean as the pooled feature', async () => {
    const loaded = await loadMobileNetV2(SHARED);
    expect(loaded.features).toBe(1280);
    expect(loaded.ignored).toEqual(['gemm_104_bias']);
    const model = await MobileNetV2Model.create(loaded.stateDict, { threads: 2 });
    models.push(model);
    expect(model.featureGrid).toEqual({ rows: 7, cols: 7 });
    const pixels = Float32Array.from({ length: 3 * 224 * 224 }, (_, i) => Math.sin(i / 97) * 1.5);
    const { featureMap, pooled } = await model.forward(pixels, 1, ['featureMap', 'pooled']);
    expect(featureMap!.length).toBe(1280 * 49);
    expect(featureMap!.every((v) => v >= 0 && v <= 6)).toBe(true);
    const mean0 = featureMap!.subarray(0, 49).reduce((a, b) => a + b, 0) / 49;
    expect(pooled![0]).toBeCloseTo(mean0, 4);
    expect(pooled!.filter((v) => v > 0).length).toBeGreaterThan(100);
  });
});
