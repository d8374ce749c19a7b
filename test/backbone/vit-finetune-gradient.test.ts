import { afterAll, describe, expect, it } from 'vitest';
import { VitFinetuner, type FinetuneBatch } from '../../src/backbone/vit-finetuner.js';
import { VitModel } from '../../src/backbone/vit-model.js';
import { resolveVitConfig } from '../../src/backbone/vit-config.js';
import { buildVitFinetuneGraph, finetuneParameterShapes } from '../../src/backbone/vit-finetune-graph.js';
import { SizeMismatchError, createRng } from '../../src/core/index.js';
import { GraphSession, oneHotTargets } from '../../src/graph/index.js';
import { loadTinyVit, maxRelativeError } from './vit-fixture.js';

// The tiny ViT of the fixture (16x16 input, patch 4, dim 32, depth 2, 3-class head). Each trainable tensor
// is moved alone along a random direction; float32 central differences with eps = 1e-2 through a whole
// block, norm, head and loss agree with the analytic directional derivative within 5e-3 of
// sum |grad_i d_i| (a wrong rule misses by O(1)).
const TOLERANCE = 5e-3;
const EPS = 1e-2;
const fixture = loadTinyVit();
const rng = createRng(23);
const randn = (n: number): Float32Array => Float32Array.from({ length: n }, () => rng.normal());
const finetuners: VitFinetuner[] = [];
afterAll(async () => {
  for (const finetuner of finetuners) await finetuner.dispose();
});

async function finetuner(options: Omit<Parameters<typeof VitFinetuner.create>[2], 'head' | 'threads'>): Promise<VitFinetuner> {
  const created = await VitFinetuner.create(fixture.stateDict, fixture.config, { head: fixture.head, threads: 1, ...options });
  finetuners.push(created);
  return created;
}

/** Directional derivative checks, one per trainable tensor, around the current weights (restored after). */
async function checkEachTensor(trainer: VitFinetuner, batch: FinetuneBatch): Promise<Map<string, { analytic: number; numeric: number; scale: number }>> {
  const { gradients } = await trainer.gradients(batch);
  const checks = new Map<string, { analytic: number; numeric: number; scale: number }>();
  for (const { name, data } of trainer.parameters) {
    const original = data.slice();
    const direction = randn(data.length);
    const lossAt = async (sign: number): Promise<number> => {
      data.set(original.map((v, i) => v + sign * EPS * direction[i]!));
      return (await trainer.evaluate(batch)).loss;
    };
    const numeric = ((await lossAt(1)) - (await lossAt(-1))) / (2 * EPS);
    data.set(original);
    const grad = gradients.get(name)!;
    checks.set(name, { numeric, analytic: grad.reduce((s, g, i) => s + g * direction[i]!, 0), scale: grad.reduce((s, g, i) => s + Math.abs(g * direction[i]!), 0) });
  }
  return checks;
}

describe('fine-tuning graph of the tiny ViT vs central finite differences', () => {
  const pixels = randn(3 * 3 * 16 * 16);

  it('trains the last block, the final norm and the head: gradients of every tensor, weighted cross-entropy', async () => {
    const trainer = await finetuner({ blocks: 1, loss: { kind: 'cross-entropy', classWeights: [0.5, 2, 1] } });
    expect(trainer.parameters.map((p) => p.name)).toEqual([
      ...['norm1.weight', 'norm1.bias', 'attn.qkv.weight', 'attn.qkv.bias', 'attn.proj.weight', 'attn.proj.bias',
        'norm2.weight', 'norm2.bias', 'mlp.fc1.weight', 'mlp.fc1.bias', 'mlp.fc2.weight', 'mlp.fc2.bias'].map((n) => `blocks.1.${n}`),
      'norm.weight', 'norm.bias', 'head.weight', 'head.bias',
    ]);
    const batch = { pixels, batch: 3, targets: oneHotTargets([0, 2, 1], 3) };
    const tokens = await trainer.frozenTokens(pixels, 3);
    for (const [name, { analytic, numeric, scale }] of await checkEachTensor(trainer, { ...batch, tokens })) {
      expect(scale, name).toBeGreaterThan(1e-3);
      expect(Math.abs(analytic - numeric), name).toBeLessThan(TOLERANCE * scale);
    }
  });

  it('trains both blocks with binary cross-entropy and positive weights', async () => {
    const trainer = await finetuner({ blocks: 2, loss: { kind: 'binary-cross-entropy', positiveWeights: [2, 1, 0.5] } });
    const batch = { pixels, batch: 3, targets: Float32Array.from([1, 0, 1, 0, 0, 0, 0, 1, 1]) };
    const checks = await checkEachTensor(trainer, batch);
    expect([...checks.keys()].filter((name) => name.startsWith('blocks.0.'))).toHaveLength(12);
    for (const [name, { analytic, numeric, scale }] of checks) {
      expect(scale, name).toBeGreaterThan(1e-4);
      expect(Math.abs(analytic - numeric), name).toBeLessThan(TOLERANCE * scale);
    }
  });

  it('computes the same logits as the whole forward graph (prefix + trainable part = VitModel)', async () => {
    const trainer = await finetuner({ blocks: 1 });
    const model = await VitModel.create(fixture.stateDict, fixture.config, { head: fixture.head, threads: 1 });
    try {
      const { logits } = await model.forward(pixels, 3, ['logits']);
      const result = await trainer.evaluate({ pixels, batch: 3, targets: oneHotTargets([0, 1, 2], 3) });
      expect(maxRelativeError(result.logits, logits!)).toBeLessThan(1e-5);
    } finally {
      await model.dispose();
    }
  });

  it('keeps the frozen blocks out of the trainable graph: its inputs are the stream, the targets and the trained tensors', async () => {
    const config = resolveVitConfig(fixture.config);
    const graph = buildVitFinetuneGraph(config, { blocks: 1, tokens: 17, classes: 3 });
    const session = await GraphSession.create(graph.builder.toModel({ loss: graph.loss, ...Object.fromEntries([...graph.gradients].map(([name, value]) => [`gradient:${name}`, value])) }), { threads: 1 });
    try {
      expect([...session.inputNames].sort()).toEqual(['hidden', 'targets', ...finetuneParameterShapes(config, 1, 3).keys()].sort());
    } finally {
      await session.dispose();
    }
  });

  it('refuses a block count outside 1..depth, a head of the wrong size and targets of the wrong length', async () => {
    await expect(VitFinetuner.create(fixture.stateDict, fixture.config, { blocks: 3, classes: 2 })).rejects.toThrow(/fine-tuned blocks/);
    await expect(VitFinetuner.create(fixture.stateDict, fixture.config, { blocks: 1 })).rejects.toThrow(/number of classes without a head/);
    const badHead = { weight: new Float32Array(5), bias: new Float32Array(2) };
    await expect(VitFinetuner.create(fixture.stateDict, fixture.config, { blocks: 1, head: badHead })).rejects.toThrow(SizeMismatchError);
    const trainer = await finetuner({ blocks: 1 });
    await expect(trainer.gradients({ pixels, batch: 3, targets: new Float32Array(6) })).rejects.toThrow(/expected 9 values \(batch x classes\) for the targets/);
  });
});
