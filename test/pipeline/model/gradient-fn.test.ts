import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../../src/core/index.js';
import type { VitModel } from '../../../src/backbone/vit-model.js';
import { imageToBatch, resizeImage } from '../../../src/data/index.js';
import type { HeadModel } from '../../../src/head/index.js';
import { gradientFnFor } from '../../../src/pipeline/model/gradient-fn.js';
import { blobImage, tinyClassifier } from '../../helpers/explain-fixture.js';

let model: VitModel;
let head: HeadModel;

beforeAll(async () => {
  ({ model, head } = await tinyClassifier());
});
afterAll(async () => {
  await model.dispose();
});

describe('gradientFnFor', () => {
  it('returns logits[target] and a gradient that matches central finite differences', async () => {
    const pixels = imageToBatch([await resizeImage(blobImage(16, 16), 16)], head.normalisation);
    const gradientFn = gradientFnFor(model);
    const { scores, gradients } = await gradientFn(pixels, 1, Int32Array.of(1));
    const { logits } = await model.forward(pixels, 1, ['logits']);
    expect(scores[0]).toBeCloseTo(logits![1]!, 4);
    // Directional derivative along a fixed smooth direction, step 1e-2 (float32 forward: ~1e-5 absolute noise).
    const direction = Float32Array.from(pixels, (_, i) => Math.sin(i * 0.37));
    const step = 1e-2;
    const shifted = (sign: number): Float32Array => Float32Array.from(pixels, (v, i) => v + sign * step * direction[i]!);
    const plus = (await model.forward(shifted(1), 1, ['logits'])).logits![1]!;
    const minus = (await model.forward(shifted(-1), 1, ['logits'])).logits![1]!;
    const analytic = gradients.reduce((total, g, i) => total + g * direction[i]!, 0);
    expect(analytic).toBeCloseTo((plus - minus) / (2 * step), 2);
  });

  it('rejects a target outside the head classes', async () => {
    const gradientFn = gradientFnFor(model);
    await expect(gradientFn(new Float32Array(3 * 16 * 16), 1, Int32Array.of(2))).rejects.toThrow(InvalidArgumentError);
  });
});
