import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MicraNetTrainer, resolveMicraNetConfig } from '../../../src/backbone/index.js';
import { InvalidArgumentError, ModelMismatchError, createRng } from '../../../src/core/index.js';
import {
  augmentMicraNetImage, balancedPositiveWeights, loadMicraNetModel, readMicraNetModel, saveMicraNetModel, trainMicraNet, type MicraNetSamples,
} from '../../../src/pipeline/competitors/index.js';

const SIZE = 16;
const CONFIG = { inputSize: SIZE, inputChannels: 3, classes: 2, channels: [8, 8, 16, 16] as [number, number, number, number] };
const folders: string[] = [];
const tempFolder = async (): Promise<string> => {
  const folder = await mkdtemp(join(tmpdir(), 'micranet-'));
  folders.push(folder);
  return folder;
};
afterAll(async () => {
  for (const folder of folders) await rm(folder, { recursive: true, force: true });
});

/**
 * Generated multi-label images: class 0 is a red 5x5 blob, class 1 a blue one, each present with
 * probability 1/2 at a random place on a grey, slightly noisy background.
 */
function generate(count: number, seed: number): MicraNetSamples {
  const rng = createRng(seed);
  const plane = SIZE * SIZE;
  const pixels = new Float32Array(count * 3 * plane);
  const targets = new Float32Array(count * 2);
  for (let n = 0; n < count; n++) {
    const image = pixels.subarray(n * 3 * plane, (n + 1) * 3 * plane);
    for (let i = 0; i < image.length; i++) image[i] = 0.4 + 0.1 * rng.next();
    for (const [label, channel] of [[0, 0], [1, 2]] as const) {
      if (rng.next() < 0.5) continue;
      targets[n * 2 + label] = 1;
      const [top, left] = [rng.int(SIZE - 5), rng.int(SIZE - 5)];
      for (let y = top; y < top + 5; y++) for (let x = left; x < left + 5; x++) image[channel * plane + y * SIZE + x] = 0.95;
    }
  }
  return { pixels, targets, count };
}

const train = generate(48, 1);
const validation = generate(16, 2);

describe('MICRA-Net training from scratch (Adam, BCE with positive weights, plateau, best checkpoint)', () => {
  it('trains a tiny MICRA-Net on generated images to near-zero loss', async () => {
    // Dropout 0.5 and the augmentations on, as the original; the eval-mode loss on the training images is the
    // "validation" loss here, so the best checkpoint is the one that fits them best.
    const result = await trainMicraNet(train, train, { config: CONFIG, epochs: 40, batchSize: 16, lr: 1e-2, seed: 3, threads: 1 });
    const first = result.history[0]!;
    expect(first.trainLoss).toBeGreaterThan(0.3);
    expect(result.bestValidationLoss).toBeLessThan(0.05);
    expect(result.history[result.bestEpoch]!.validationLoss).toBe(result.bestValidationLoss);
    // The best weights classify every training image right in eval mode.
    const trainer = MicraNetTrainer.create(resolveMicraNetConfig(CONFIG), result.stateDict, { threads: 1 });
    const { loss, logits } = await trainer.evaluate(train.pixels, train.targets, train.count);
    await trainer.dispose();
    expect(loss).toBeLessThan(0.05); // unweighted BCE here (the run weighed positives)
    logits.forEach((logit, i) => expect(logit > 0 ? 1 : 0, `sample ${Math.floor(i / 2)} class ${i % 2}`).toBe(train.targets[i]));
  });

  it('resumes from its checkpoint and ends exactly as an uninterrupted run', async () => {
    const options = { config: CONFIG, batchSize: 16, lr: 1e-2, seed: 5, threads: 1 };
    const whole = await trainMicraNet(train, validation, { ...options, epochs: 4, checkpointPath: join(await tempFolder(), 'checkpoint.safetensors') });
    const path = join(await tempFolder(), 'checkpoint.safetensors');
    await trainMicraNet(train, validation, { ...options, epochs: 2, checkpointPath: path });
    const resumed = await trainMicraNet(train, validation, { ...options, epochs: 4, checkpointPath: path });
    expect(resumed.resumedEpochs).toBe(2);
    expect(resumed.history).toEqual(whole.history);
    for (const [name, tensor] of whole.stateDict) expect([...resumed.stateDict.get(name)!.data], name).toEqual([...tensor.data]);
    await expect(trainMicraNet(train, validation, { ...options, seed: 6, epochs: 4, checkpointPath: path })).rejects.toThrow(InvalidArgumentError);
  });

  it('weighs positives by negatives / positives per class, as a balanced pos_weight', () => {
    expect(balancedPositiveWeights(Float32Array.from([1, 0, 0, 0, 0, 1, 1, 0]), 2)).toEqual([1, 3]);
    expect(balancedPositiveWeights(Float32Array.from([1, 0, 1, 0]), 2)).toEqual([1, 1]);
  });
});

describe('MICRA-Net augmentation', () => {
  it('flips rows and columns and only rescales values within [0, 1]', () => {
    const shape = { channels: 1, rows: 2, cols: 3 };
    const flipsOnly = (seed: number): number[] => {
      const pixels = Float32Array.from([0, 1, 2, 3, 4, 5]).map((v) => v / 10);
      augmentMicraNetImage(pixels, shape, createRng(seed), { probability: 1 });
      return [...pixels];
    };
    const out = flipsOnly(1);
    // Both flips: the image turned by 180 degrees, then an intensity factor and a gamma in (0, 1].
    expect(out[0]).toBeGreaterThan(out[5]!);
    expect(out.every((v) => v >= 0 && v <= 1)).toBe(true);
    const untouched = Float32Array.from([0.1, 0.2, 0.3, 0.4, 0.5, 0.6]);
    augmentMicraNetImage(untouched, shape, createRng(1), { probability: 0 });
    expect([...untouched]).toEqual([...Float32Array.from([0.1, 0.2, 0.3, 0.4, 0.5, 0.6])]);
  });
});

describe('the MICRA-Net model folder', () => {
  it('round-trips the weights with their checksum and refuses another kind or a changed file', async () => {
    const result = await trainMicraNet(train, undefined, { config: CONFIG, epochs: 1, batchSize: 16, seed: 1, threads: 1 });
    const folder = await tempFolder();
    const info = await saveMicraNetModel(folder, { config: result.config, classNames: ['red', 'blue'], stateDict: result.stateDict });
    expect(info.kind).toBe('micranet');
    const { stateDict } = await readMicraNetModel(folder);
    for (const [name, tensor] of result.stateDict) expect([...stateDict.get(name)!.data], name).toEqual([...tensor.data]);
    const { model } = await loadMicraNetModel(folder, { threads: 1 });
    const logits = await model.forward(train.pixels.subarray(0, 3 * SIZE * SIZE), 1);
    await model.dispose();
    expect(logits.length).toBe(2);
    await expect(saveMicraNetModel(folder, { config: result.config, classNames: ['red'], stateDict: result.stateDict })).rejects.toThrow(ModelMismatchError);
  });
});
