import { afterAll, describe, expect, it } from 'vitest';
import { VitModel } from '../../../src/backbone/vit-model.js';
import { DINOV2_SMALL_14, resolveVitConfig, vitTensorShapes } from '../../../src/backbone/vit-config.js';
import { interpolatePosEmbed } from '../../../src/backbone/pos-embed.js';
import { posEmbedInterpolation } from '../../../src/backbone/dinov2/index.js';
import type { StateDict } from '../../../src/backbone/state-dict.js';
import { createRng } from '../../../src/core/index.js';
import { maxRelativeError } from '../vit-fixture.js';
import { loadTinyDinov2 } from './dinov2-fixture.js';

// Golden values from scripts/make-dinov2-fixtures.py (torch 1.13, float32). Tolerance 1e-4 of the largest
// magnitude, as for the DINO ViT: float32 sums in another order differ by ~1e-6 relative.
const TOLERANCE = 1e-4;
const fixture = loadTinyDinov2();
const models: VitModel[] = [];
afterAll(async () => {
  for (const model of models) await model.dispose();
});

const entries = Object.entries(fixture.models).flatMap(([name, model]) => model.cases.map((c) => [`${name} at ${c.rows}x${c.cols}`, model, c] as const));

describe.each(entries)('tiny %s vs PyTorch', (_, model, c) => {
  const create = async (): Promise<VitModel> => {
    const created = await VitModel.create(model.stateDict, model.config, { head: fixture.head, inputSize: { rows: c.rows, cols: c.cols }, threads: 1 });
    models.push(created);
    return created;
  };

  it('resizes the position embedding as DINOv2 does (offset 0.1 without registers, size and antialias with them)', () => {
    const config = resolveVitConfig(model.config);
    expect(posEmbedInterpolation(config)).toEqual(model.interpolation);
    const grid = { rows: c.rows / config.patchSize, cols: c.cols / config.patchSize };
    const resized = interpolatePosEmbed(model.stateDict.get('pos_embed')!.data, config.dim, grid, posEmbedInterpolation(config));
    expect(maxRelativeError(resized, c.arrays.posEmbed)).toBeLessThan(1e-6);
  });

  it('matches logits, CLS, patch tokens, last-block attention and keys (registers left out)', async () => {
    const out = await (await create()).forward(c.arrays.pixels, c.batch, ['logits', 'cls', 'patchTokens', 'attention', 'keys']);
    for (const name of ['logits', 'cls', 'patchTokens', 'attention', 'keys'] as const) {
      expect(out[name]!.length, name).toBe(c.arrays[name].length);
      expect(maxRelativeError(out[name]!, c.arrays[name]), name).toBeLessThan(TOLERANCE);
    }
  });

  it('matches the input gradient of sum(seed * logits) from torch autograd', async () => {
    const { logits, gradient } = await (await create()).inputGradient(c.arrays.pixels, c.batch, c.arrays.seed);
    expect(maxRelativeError(logits, c.arrays.logits)).toBeLessThan(TOLERANCE);
    expect(maxRelativeError(gradient, c.arrays.gradient)).toBeLessThan(TOLERANCE);
  });
});

describe('DINOv2 token layout', () => {
  it('registers and LayerScale change the outputs: they are really used', async () => {
    const { dinov2, 'dinov2-reg4': reg4 } = fixture.models;
    const c = reg4.cases[0]!;
    expect(maxRelativeError(dinov2.cases[0]!.arrays.cls, c.arrays.cls)).toBeGreaterThan(1e-2);
    const flat: StateDict = new Map([...reg4.stateDict].map(([name, t]) => [name, name.includes('.ls') ? { shape: t.shape, data: new Float32Array(t.data.length).fill(1) } : t]));
    const model = await VitModel.create(flat, reg4.config, { inputSize: { rows: c.rows, cols: c.cols }, threads: 1 });
    models.push(model);
    expect(maxRelativeError((await model.forward(c.arrays.pixels, c.batch, ['cls'])).cls!, c.arrays.cls)).toBeGreaterThan(1e-2);
  });

  it('gives a 16x16 patch grid at 224 with patch 14 and a 37x37 position table, 4 registers left out of the outputs', async () => {
    const config = resolveVitConfig({ ...DINOV2_SMALL_14, dim: 8, depth: 1, heads: 2, registers: 4 });
    const rng = createRng(5);
    const stateDict: StateDict = new Map([...vitTensorShapes(config)].map(([name, shape]) => {
      const size = shape.reduce((a, b) => a * b, 1);
      return [name, { shape, data: Float32Array.from({ length: size }, () => rng.normal() * 0.1) }];
    }));
    expect(stateDict.get('pos_embed')!.shape).toEqual([1, 37 * 37 + 1, 8]);
    const model = await VitModel.create(stateDict, config, { inputSize: 224, threads: 1 });
    models.push(model);
    const out = await model.forward(new Float32Array(3 * 224 * 224).fill(0.1), 1, ['patchTokens', 'attention', 'keys']);
    expect(out.patchTokens!.length).toBe(256 * 8);
    expect(out.attention!.length).toBe(2 * 257 * 257);
    expect(out.keys!.length).toBe(2 * 257 * 4);
  });
});
