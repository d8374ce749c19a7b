import { afterAll, describe, expect, it } from 'vitest';
import { VitModel } from '../../src/backbone/vit-model.js';
import { SizeMismatchError, InvalidArgumentError, WeightsError } from '../../src/core/index.js';
import { loadTinyVit, maxRelativeError } from './vit-fixture.js';

// Golden values from scripts/make-vit-fixtures.py (torch 1.13, float32). Tolerance 1e-4 of the largest
// magnitude: float32 sums in a different order (onnxruntime's GEMM vs torch's) differ by ~1e-6 relative.
const TOLERANCE = 1e-4;
const fixture = loadTinyVit();
const models: VitModel[] = [];

async function tinyModel(rows: number, cols: number): Promise<VitModel> {
  const model = await VitModel.create(fixture.stateDict, fixture.config, { head: fixture.head, inputSize: { rows, cols }, threads: 1 });
  models.push(model);
  return model;
}

afterAll(async () => {
  for (const model of models) await model.dispose();
});

describe.each(fixture.cases.map((c) => [`${c.rows}x${c.cols}`, c] as const))('tiny ViT at %s vs PyTorch', (_, c) => {
  it('matches logits, cls, last-block attention and keys', async () => {
    const model = await tinyModel(c.rows, c.cols);
    const out = await model.forward(c.arrays.pixels, c.batch, ['logits', 'cls', 'attention', 'keys']);
    for (const name of ['logits', 'cls', 'attention', 'keys'] as const) {
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

describe('VitModel arguments', () => {
  it('rejects pixels of the wrong length and a seed of the wrong length', async () => {
    const model = await tinyModel(16, 16);
    await expect(model.forward(new Float32Array(10), 1)).rejects.toThrow(SizeMismatchError);
    await expect(model.forward(new Float32Array(10), 1)).rejects.toThrow(/expected 768 values \(1x3x16x16\) for the pixels but received 10/);
    await expect(model.inputGradient(new Float32Array(768), 1, new Float32Array(2))).rejects.toThrow(/expected 3 values \(batch x classes\) for the gradient seed/);
  });

  it('rejects an input size that is not a multiple of the patch', async () => {
    await expect(VitModel.create(fixture.stateDict, fixture.config, { inputSize: 18 })).rejects.toThrow(InvalidArgumentError);
  });

  it('reports every missing and mis-shaped tensor at once', async () => {
    const broken = new Map(fixture.stateDict);
    broken.delete('blocks.1.mlp.fc2.bias');
    broken.set('norm.weight', { shape: [31], data: new Float32Array(31) });
    const error = await VitModel.create(broken, fixture.config).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WeightsError);
    expect((error as WeightsError).problems).toEqual(['missing tensor blocks.1.mlp.fc2.bias (expected 32)', 'expected 32 for norm.weight but received 31']);
  });
});
