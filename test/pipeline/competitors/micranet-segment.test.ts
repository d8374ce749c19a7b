import { afterAll, describe, expect, it } from 'vitest';
import { MicraNetModel } from '../../../src/backbone/index.js';
import { createImageTensor } from '../../../src/core/index.js';
import { chooseMicraNetClasses, runMicraNetCompetitor, segmentWithMicraNet } from '../../../src/pipeline/competitors/index.js';
import { loadTinyMicraNet } from '../../backbone/cnn-fixture.js';

// The whole chain on the tiny MICRA-Net of scripts/make-cnn-fixtures.py: model -> per-layer Grad-CAM ->
// foreground, PCA, sign, smoothing, quantile, against gradCAM.py's steps on torch's maps.
const fixture = loadTinyMicraNet();
const size = fixture.config.inputSize;
const image = createImageTensor(3, size, size, fixture.pixels.slice(0, 3 * size * size));
let model: MicraNetModel;

afterAll(async () => {
  await model?.dispose();
});

describe('MICRA-Net segmentation of one image', () => {
  it('gives the masks and smoothed maps of the reference for each class asked for', async () => {
    model = await MicraNetModel.create(fixture.stateDict, fixture.config, { threads: 1 });
    const result = await segmentWithMicraNet(image, model, { classes: [0, 1] });
    expect(result.classes.map((c) => c.index)).toEqual([0, 1]);
    result.classes.forEach(({ mask, map }, c) => {
      expect([...mask.data], `class ${c}`).toEqual(fixture.gradCam[c]!.mask);
      expect(Math.max(...map!.data.map((v, i) => Math.abs(v - fixture.gradCam[c]!.smooth[i]!)))).toBeLessThan(1e-4);
    });
    const union = fixture.gradCam[0]!.mask.map((v, i) => (v || fixture.gradCam[1]!.mask[i] ? 1 : 0));
    expect([...result.mask.data]).toEqual(union);
  });

  it('segments only the classes predicted positive by default, as the original', async () => {
    model ??= await MicraNetModel.create(fixture.stateDict, fixture.config, { threads: 1 });
    const positive = [...fixture.evalLogits.subarray(0, fixture.config.classes)].flatMap((logit, c) => (logit > 0 ? [c] : []));
    const result = await segmentWithMicraNet(image, model);
    expect(result.classes.map((c) => c.index)).toEqual(positive);
    result.probabilities.forEach((p, c) => expect(p).toBeCloseTo(1 / (1 + Math.exp(-fixture.evalLogits[c]!)), 5));
  });

  it('returns masks at the original image size and a competitor row named micranet', async () => {
    model ??= await MicraNetModel.create(fixture.stateDict, fixture.config, { threads: 1 });
    const large = createImageTensor(3, 48, 40, Float32Array.from({ length: 3 * 48 * 40 }, (_, i) => (i % 40) / 40));
    const result = await segmentWithMicraNet(large, model, { classes: [1] });
    expect([result.mask.rows, result.mask.cols, result.classes[0]!.mask.rows]).toEqual([48, 40, 48]);
    const row = await runMicraNetCompetitor(large, model, { classes: [1] });
    expect(Object.keys(row)).toEqual(['micranet']);
    expect([...row.micranet!.data]).toEqual([...result.mask.data]);
  });
});

describe('chooseMicraNetClasses', () => {
  const p = (...values: number[]) => Float32Array.from(values);
  it("'positive' keeps the classes above 0.5, as the original, and may keep none", () => {
    expect(chooseMicraNetClasses(p(0.7, 0.2, 0.9), 'positive')).toEqual([0, 2]);
    expect(chooseMicraNetClasses(p(0.3, 0.4), 'positive')).toEqual([]);
  });
  it("'positive-or-top' falls back to the most probable class when none passes 0.5", () => {
    expect(chooseMicraNetClasses(p(0.3, 0.4), 'positive-or-top')).toEqual([1]);
    expect(chooseMicraNetClasses(p(0.6, 0.4, 0.8), 'positive-or-top')).toEqual([0, 2]);
  });
  it('takes class indices as given and refuses one out of range', () => {
    expect(chooseMicraNetClasses(p(0.1, 0.2), [1])).toEqual([1]);
    expect(() => chooseMicraNetClasses(p(0.1, 0.2), [2])).toThrow(/a MICRA-Net class index/);
  });
});
