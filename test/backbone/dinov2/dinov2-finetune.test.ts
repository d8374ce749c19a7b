import { afterAll, describe, expect, it } from 'vitest';
import { VitFinetuner } from '../../../src/backbone/vit-finetuner.js';
import { VitModel } from '../../../src/backbone/vit-model.js';
import { createRng } from '../../../src/core/index.js';
import { oneHotTargets } from '../../../src/graph/index.js';
import { maxRelativeError } from '../vit-fixture.js';
import { loadTinyDinov2 } from './dinov2-fixture.js';

// Fine-tuning the last block of the tiny DINOv2 with registers (28x14 input: 1 CLS + 4 registers + 8 patches).
// The LayerScale tensors are trained with the block; their gradients agree with float32 central differences
// (eps 1e-2) within 5e-3 of sum |grad_i d_i|, the tolerance of test/backbone/vit-finetune-gradient.test.ts.
const fixture = loadTinyDinov2();
const reg4 = fixture.models['dinov2-reg4'];
const c = reg4.cases[1]!;
const owned: Array<{ dispose(): Promise<void> }> = [];
afterAll(async () => {
  for (const item of owned) await item.dispose();
});

async function trainer(): Promise<VitFinetuner> {
  const created = await VitFinetuner.create(reg4.stateDict, reg4.config, { blocks: 1, head: fixture.head, inputSize: { rows: c.rows, cols: c.cols }, threads: 1 });
  owned.push(created);
  return created;
}

describe('fine-tuning the last DINOv2 block', () => {
  it('trains LayerScale with the block and starts from the registers-and-patches stream', async () => {
    const finetuner = await trainer();
    const names = finetuner.parameters.map((p) => p.name);
    expect(names).toContain('blocks.1.ls1.gamma');
    expect(names).toContain('blocks.1.ls2.gamma');
    expect(names.some((name) => name.startsWith('blocks.0.'))).toBe(false);
    expect((await finetuner.frozenTokens(c.arrays.pixels, c.batch)).length).toBe(c.batch * (1 + 4 + 8) * 32);
  });

  it('computes the logits of the whole forward graph (prefix + trainable part = VitModel = PyTorch)', async () => {
    const finetuner = await trainer();
    const model = await VitModel.create(reg4.stateDict, reg4.config, { head: fixture.head, inputSize: { rows: c.rows, cols: c.cols }, threads: 1 });
    owned.push(model);
    const { logits } = await finetuner.evaluate({ pixels: c.arrays.pixels, batch: c.batch, targets: oneHotTargets([0, 2], 3) });
    expect(maxRelativeError(logits, (await model.forward(c.arrays.pixels, c.batch, ['logits'])).logits!)).toBeLessThan(1e-5);
    expect(maxRelativeError(logits, c.arrays.logits)).toBeLessThan(1e-4);
  });

  it('gives LayerScale gradients that central finite differences confirm', async () => {
    const finetuner = await trainer();
    const batch = { pixels: c.arrays.pixels, batch: c.batch, targets: oneHotTargets([1, 0], 3) };
    const { gradients } = await finetuner.gradients(batch);
    const rng = createRng(31);
    for (const name of ['blocks.1.ls1.gamma', 'blocks.1.ls2.gamma']) {
      const { data } = finetuner.parameters.find((p) => p.name === name)!;
      const original = data.slice();
      const direction = Float32Array.from(data, () => rng.normal());
      const lossAt = async (sign: number): Promise<number> => {
        data.set(original.map((v, i) => v + sign * 1e-2 * direction[i]!));
        return (await finetuner.evaluate(batch)).loss;
      };
      const numeric = ((await lossAt(1)) - (await lossAt(-1))) / 2e-2;
      data.set(original);
      const grad = gradients.get(name)!;
      const scale = grad.reduce((s, g, i) => s + Math.abs(g * direction[i]!), 0);
      expect(scale, name).toBeGreaterThan(1e-3);
      expect(Math.abs(grad.reduce((s, g, i) => s + g * direction[i]!, 0) - numeric), name).toBeLessThan(5e-3 * scale);
    }
  });
});
