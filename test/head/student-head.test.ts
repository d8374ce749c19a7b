/**
 * The student learns a synthetic lesion from noisy pseudo-masks: tokens carry a weak lesion signal in noise,
 * each image's pseudo-mask is the true disc shifted at random with pixels flipped, and the student, trained
 * on all images' confident tokens, recovers the true mask better than the pseudo-masks it learned from.
 */
import { describe, expect, it } from 'vitest';
import { createMask, createRng, InvalidArgumentError, type Mask } from '../../src/core/index.js';
import { predictStudentHead, studentHeadFromJson, studentHeadToJson, thresholdForFraction, tokenTargets, trainStudentHead } from '../../src/head/index.js';
import { iou } from '../../src/metrics/index.js';

const GRID = { rows: 8, cols: 8 };
const DIM = 6;

function disc(cy: number, cx: number, radius: number): Mask {
  const mask = createMask(GRID.rows, GRID.cols);
  for (let y = 0; y < GRID.rows; y++) for (let x = 0; x < GRID.cols; x++) if ((y + 0.5 - cy) ** 2 + (x + 0.5 - cx) ** 2 <= radius ** 2) mask.data[y * GRID.cols + x] = 1;
  return mask;
}

/** One image: true mask, token features (lesion direction + noise) and a noisy pseudo-mask. */
function syntheticImage(rng: ReturnType<typeof createRng>) {
  const [cy, cx] = [2.5 + 3 * rng.next(), 2.5 + 3 * rng.next()];
  const truth = disc(cy, cx, 2);
  const features = new Float32Array(GRID.rows * GRID.cols * DIM);
  for (let t = 0; t < truth.data.length; t++) for (let d = 0; d < DIM; d++) features[t * DIM + d] = (d < 2 && truth.data[t] ? 1.2 : 0) + rng.normal();
  const pseudo = disc(cy + 1.5 * rng.normal(), cx + 1.5 * rng.normal(), 2);
  for (let t = 0; t < pseudo.data.length; t++) if (rng.next() < 0.1) pseudo.data[t] = 1 - pseudo.data[t]!;
  return { truth, features, pseudo };
}

const meanIou = (pairs: [Mask, Mask][]): number => pairs.reduce((sum, [a, b]) => sum + iou(a, b), 0) / pairs.length;

describe('trainStudentHead', () => {
  const rng = createRng(7);
  const images = Array.from({ length: 40 }, () => syntheticImage(rng));
  const features = new Float32Array(images.length * 64 * DIM);
  const targets = new Float32Array(images.length * 64);
  const weights = new Float32Array(images.length * 64);
  images.forEach((image, i) => {
    const labels = tokenTargets(image.pseudo, GRID, { minConfidence: 0.5 });
    features.set(image.features, i * 64 * DIM);
    targets.set(labels.targets, i * 64);
    weights.set(labels.weights, i * 64);
  });

  /** Masks at the threshold that gives the pseudo-masks' mean foreground fraction over the training tokens. */
  const studentMasks = (head: ReturnType<typeof trainStudentHead>['head']): [Mask, Mask][] => {
    const fraction = images.reduce((sum, image) => sum + image.pseudo.data.reduce((a, v) => a + v, 0), 0) / targets.length;
    const threshold = thresholdForFraction(predictStudentHead(head, features), fraction);
    return images.map((image) => {
      const p = predictStudentHead(head, image.features);
      return [createMask(GRID.rows, GRID.cols, Uint8Array.from(p, (v) => (v > threshold ? 1 : 0))), image.truth];
    });
  };

  it.each([0, 8])('with hidden width %i beats the pseudo-masks it learned from (IoU against the truth)', (hidden) => {
    const { head, losses } = trainStudentHead({ features, targets, weights }, { hidden, epochs: hidden ? 40 : 15, lr: 0.01, weightDecay: hidden ? 0.01 : 1e-3, seed: 3 });
    const teacher = meanIou(images.map((image) => [image.pseudo, image.truth]));
    const student = meanIou(studentMasks(head));
    expect(teacher).toBeLessThan(0.5);
    expect(student).toBeGreaterThan(teacher + 0.15);
    expect(losses.at(-1)!).toBeLessThan(losses[0]!);
  });

  it('is deterministic for a seed and survives a JSON round trip', () => {
    const a = trainStudentHead({ features, targets, weights }, { epochs: 3, seed: 5 }).head;
    const b = trainStudentHead({ features, targets, weights }, { epochs: 3, seed: 5 }).head;
    expect(Array.from(b.w1)).toEqual(Array.from(a.w1));
    const back = studentHeadFromJson(JSON.parse(JSON.stringify(studentHeadToJson(a))));
    expect(Array.from(predictStudentHead(back, images[0]!.features))).toEqual(Array.from(predictStudentHead(a, images[0]!.features)));
  });

  it('thresholds by fraction: a share of the values lies above', () => {
    const values = Float32Array.of(0.1, 0.9, 0.3, 0.7, 0.5);
    expect(thresholdForFraction(values, 0.4)).toBeCloseTo(0.5, 6);
    expect(Array.from(values).filter((v) => v > thresholdForFraction(values, 0.4))).toEqual([expect.closeTo(0.9, 6), expect.closeTo(0.7, 6)]);
  });

  it('refuses samples without a confident token, and a file whose arrays do not fit', () => {
    expect(() => trainStudentHead({ features: new Float32Array(4), targets: new Float32Array(2), weights: new Float32Array(2) })).toThrow(InvalidArgumentError);
    const json = studentHeadToJson(trainStudentHead({ features, targets, weights }, { epochs: 1 }).head);
    expect(() => studentHeadFromJson({ ...json, w1: [1, 2] })).toThrow(/expected 6 finite numbers for w1 of the student head but received 2/);
  });
});
