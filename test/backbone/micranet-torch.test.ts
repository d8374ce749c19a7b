import { afterAll, describe, expect, it } from 'vitest';
import {
  MICRANET_DEFAULTS, MicraNetModel, MicraNetTrainer, countMicraNetParameters, initMicraNetStateDict, resolveMicraNetConfig,
} from '../../src/backbone/index.js';
import { layerGradCams } from '../../src/attribution/index.js';
import { InvalidArgumentError, WeightsError, createRng } from '../../src/core/index.js';
import { loadTinyMicraNet } from './cnn-fixture.js';
import { maxRelativeError } from './vit-fixture.js';

// Golden values from scripts/make-cnn-fixtures.py (torch 1.13, float32, FLClab/MICRA-Net network.py).
// Tolerance 1e-4 of the largest magnitude (float32 sums in another order); the Grad-CAM maps are min-max
// normalised, so 1e-4 there is absolute.
const TOLERANCE = 1e-4;
const fixture = loadTinyMicraNet();
const config = resolveMicraNetConfig(fixture.config);
const disposables: { dispose(): Promise<void> }[] = [];

afterAll(async () => {
  for (const item of disposables) await item.dispose();
});

describe('tiny MICRA-Net vs PyTorch', () => {
  it('matches one train-mode step: loss, logits, every gradient and the updated running statistics', async () => {
    const trainer = MicraNetTrainer.create(config, fixture.stateDict, { positiveWeights: fixture.positiveWeights, threads: 1 });
    disposables.push(trainer);
    const result = await trainer.step(fixture.pixels, fixture.targets, fixture.batch, fixture.dropoutMask);
    expect(result.loss).toBeCloseTo(fixture.train.loss, 5);
    expect(maxRelativeError(result.logits, fixture.train.logits)).toBeLessThan(TOLERANCE);
    expect([...result.gradients.keys()].sort()).toEqual([...fixture.train.gradients.keys()].sort());
    for (const [name, expected] of fixture.train.gradients) {
      const received = result.gradients.get(name)!;
      // A conv bias before batch statistics has gradient zero (the mean subtracts it): both sides are rounding
      // noise, judged against the scale of the same layer's weight gradient.
      if (/^conv.*\.bias$/.test(name)) {
        const weightScale = Math.max(...fixture.train.gradients.get(name.replace('bias', 'weight'))!.map(Math.abs));
        expect(Math.max(...received.map(Math.abs), ...expected.map(Math.abs)), name).toBeLessThan(TOLERANCE * weightScale);
      } else expect(maxRelativeError(received, expected), name).toBeLessThan(TOLERANCE);
    }
    const state = trainer.stateDict();
    for (const [name, expected] of fixture.train.running) expect(maxRelativeError(state.get(name)!.data, expected), name).toBeLessThan(TOLERANCE);
  });

  it('matches the eval-mode logits, in the trainer and in the inference model', async () => {
    const trainer = MicraNetTrainer.create(config, fixture.stateDict, { threads: 1 });
    const model = await MicraNetModel.create(fixture.stateDict, config, { threads: 1 });
    disposables.push(trainer, model);
    const evaluated = await trainer.evaluate(fixture.pixels, fixture.targets, fixture.batch);
    expect(maxRelativeError(evaluated.logits, fixture.evalLogits)).toBeLessThan(TOLERANCE);
    expect(maxRelativeError(await model.forward(fixture.pixels, fixture.batch), fixture.evalLogits)).toBeLessThan(TOLERANCE);
  });

  it("matches gradCAM.class_activation_map's eight maps per class", async () => {
    const model = await MicraNetModel.create(fixture.stateDict, config, { threads: 1 });
    disposables.push(model);
    const size = config.inputSize;
    const image = fixture.pixels.subarray(0, 3 * size * size);
    for (const [c, expected] of fixture.gradCam.entries()) {
      const seed = Float32Array.from({ length: config.classes }, (_, k) => (k === c ? 1 : 0));
      const { layers } = await model.gradCam(image, 1, seed);
      const maps = layerGradCams(layers, size, size);
      maps.forEach((map, k) => {
        const reference = expected.maps.subarray(k * size * size, (k + 1) * size * size);
        const error = Math.max(...map.data.map((v, i) => Math.abs(v - reference[i]!)));
        expect(error, `class ${c} layer ${k}`).toBeLessThan(TOLERANCE);
      });
    }
  });
});

describe('MICRA-Net configuration and weights', () => {
  it('has about 1.17 M parameters at the original widths, as the paper says', () => {
    const full = resolveMicraNetConfig({ classes: 2 });
    expect(full.channels).toEqual(MICRANET_DEFAULTS.channels);
    expect(countMicraNetParameters(full)).toBe(1_174_690);
  });

  it('initialises as PyTorch: BatchNorm 1 and 0, running variance 1, conv weights within 1/sqrt(fan in)', () => {
    const state = initMicraNetStateDict(config, createRng(1));
    expect([...state.get('bnorm2a.weight')!.data].every((v) => v === 1)).toBe(true);
    expect([...state.get('bnorm2a.running_var')!.data].every((v) => v === 1)).toBe(true);
    const bound = 1 / Math.sqrt(3 * 9);
    expect(Math.max(...state.get('conv1a.weight')!.data.map(Math.abs))).toBeLessThanOrEqual(bound);
  });

  it('refuses an input size that is not a multiple of 8 and reports every missing or mis-shaped tensor', async () => {
    expect(() => resolveMicraNetConfig({ classes: 2, inputSize: 20 })).toThrow(InvalidArgumentError);
    const broken = new Map(fixture.stateDict);
    broken.delete('bnorm3b.running_var');
    broken.set('linear1.weight', { shape: [3, 8], data: new Float32Array(24) });
    const error = await MicraNetModel.create(broken, config).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WeightsError);
    expect((error as WeightsError).problems).toEqual(['expected 2x8 for linear1.weight but received 3x8', 'missing tensor bnorm3b.running_var (expected 8)']);
  });
});
