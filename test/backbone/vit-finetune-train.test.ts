import { afterAll, describe, expect, it } from 'vitest';
import { VitFinetuner, type FinetuneBatch } from '../../src/backbone/vit-finetuner.js';
import { VitModel } from '../../src/backbone/vit-model.js';
import { createRng } from '../../src/core/index.js';
import { oneHotTargets } from '../../src/graph/index.js';
import {
  AdamW, Sgd, cosineSchedule, stepSchedule, type LearningRateSchedule, type Optimizer, type TrainableTensor,
} from '../../src/graph/optim/index.js';
import { loadTinyVit, maxRelativeError } from './vit-fixture.js';

// Fine-tuning the tiny ViT of the fixture (depth 2) from a zero head on generated 16x16 images of two
// classes that differ in where they are bright (left half vs right half, Gaussian noise of std 0.3 on
// top): 60 full-batch steps must take the training loss near zero (< 0.01, from log 2) and classify every
// image. (With these rates both runs end near 1e-3; SGD at a base rate of 0.15 already oscillates.)
const fixture = loadTinyVit();
const SIDE = 16;
const IMAGES = 16;
const STEPS = 60;

function twoClassImages(seed: number): FinetuneBatch {
  const rng = createRng(seed);
  const labels = Array.from({ length: IMAGES }, (_, i) => i % 2);
  const pixels = new Float32Array(IMAGES * 3 * SIDE * SIDE);
  labels.forEach((label, image) => {
    for (let c = 0; c < 3; c++) {
      for (let row = 0; row < SIDE; row++) {
        for (let col = 0; col < SIDE; col++) {
          const bright = (col < SIDE / 2) === (label === 0);
          pixels[((image * 3 + c) * SIDE + row) * SIDE + col] = (bright ? 1 : -1) + 0.3 * rng.normal();
        }
      }
    }
  });
  return { pixels, batch: IMAGES, targets: oneHotTargets(labels, 2) };
}

const trainers: VitFinetuner[] = [];
afterAll(async () => {
  for (const trainer of trainers) await trainer.dispose();
});

/** Head at the base rate, blocks and norm at a tenth of it, as the paper's smaller rate for the backbone. */
function groups(parameters: readonly TrainableTensor[], lr: number): { params: TrainableTensor[]; lr: number }[] {
  const head = parameters.filter((p) => p.name.startsWith('head.'));
  return [{ params: head, lr }, { params: parameters.filter((p) => !head.includes(p)), lr: lr / 10 }];
}

async function train(blocks: number, makeOptimizer: (parameters: readonly TrainableTensor[]) => Optimizer, schedule: LearningRateSchedule) {
  const trainer = await VitFinetuner.create(fixture.stateDict, fixture.config, { blocks, classes: 2, threads: 1 });
  trainers.push(trainer);
  const batch = twoClassImages(3);
  const optimizer = makeOptimizer(trainer.parameters);
  const losses: number[] = [];
  for (let step = 0; step < STEPS; step++) {
    optimizer.setLearningRateFactor(schedule(step));
    losses.push((await trainer.step(batch, { optimizer, maxGradientNorm: 5 })).loss);
  }
  const final = await trainer.evaluate(batch);
  const correct = Array.from({ length: IMAGES }, (_, i) => (final.logits[2 * i + 1]! > final.logits[2 * i]! ? 1 : 0) === i % 2).filter(Boolean).length;
  return { trainer, batch, losses, final, correct };
}

describe('fine-tuning the tiny ViT on two separable classes', () => {
  it('reaches near-zero training loss with SGD (momentum 0.9, weight decay, step schedule with warm-up), last block + head', async () => {
    const run = await train(1, (p) => new Sgd(groups(p, 0.1), { momentum: 0.9, weightDecay: 1e-4 }), stepSchedule({ stepSize: 45, gamma: 0.1, warmupEpochs: 3 }));
    expect(run.losses[0]).toBeCloseTo(Math.log(2), 5);
    expect(run.final.loss).toBeLessThan(0.01);
    expect(run.correct).toBe(IMAGES);
  });

  it('reaches near-zero training loss with AdamW (cosine schedule with warm-up), both blocks + head', async () => {
    const run = await train(2, (p) => new AdamW(groups(p, 0.01)), cosineSchedule({ totalEpochs: STEPS, warmupEpochs: 3, minFactor: 0.1 }));
    expect(run.final.loss).toBeLessThan(0.01);
    expect(run.correct).toBe(IMAGES);
  });

  it('exports the trained weights: VitModel with stateDict() and head() reproduces the trainer\'s logits', async () => {
    const run = await train(1, (p) => new Sgd(groups(p, 0.1), { momentum: 0.9 }), () => 1);
    const dict = run.trainer.stateDict();
    expect(dict.get('blocks.1.attn.qkv.weight')!.data).not.toEqual(fixture.stateDict.get('blocks.1.attn.qkv.weight')!.data);
    expect(dict.get('blocks.0.attn.qkv.weight')!.data).toBe(fixture.stateDict.get('blocks.0.attn.qkv.weight')!.data);
    const model = await VitModel.create(dict, fixture.config, { head: run.trainer.head(), threads: 1 });
    try {
      const { logits } = await model.forward(run.batch.pixels, IMAGES, ['logits']);
      expect(maxRelativeError(logits!, run.final.logits)).toBeLessThan(1e-5);
    } finally {
      await model.dispose();
    }
  });
});
