import { describe, expect, it } from 'vitest';
import { createRng, createScalarMap, createMask, InvalidArgumentError } from '../../src/core/index.js';
import { createLinearHead, poolTokenLogits, tokenLogits, trainTokenHead, type TokenBags } from '../../src/head/index.js';
import { mapRocAuc } from '../../src/metrics/index.js';

const DIM = 6;
const TOKENS = 16;

/** Bags of noisy tokens; a positive bag holds 3 "lesion" tokens shifted along feature 0, a negative bag none. */
function syntheticBags(count: number, seed: number): TokenBags & { lesion: Uint8Array } {
  const rng = createRng(seed);
  const tokens = new Float32Array(count * TOKENS * DIM);
  const labels = new Int32Array(count);
  const lesion = new Uint8Array(count * TOKENS);
  for (let b = 0; b < count; b++) {
    labels[b] = b % 2;
    for (let t = 0; t < TOKENS; t++) {
      const isLesion = labels[b] === 1 && t < 3;
      lesion[b * TOKENS + t] = isLesion ? 1 : 0;
      for (let d = 0; d < DIM; d++) tokens[(b * TOKENS + t) * DIM + d] = rng.next() - 0.5 + (isLesion && d === 0 ? 1.5 : 0);
    }
  }
  return { tokens, labels, tokensPerBag: TOKENS, lesion };
}

describe('poolTokenLogits', () => {
  it('is the mean of each class\'s k largest token logits (k = 1: max pooling)', () => {
    const linear = createLinearHead(['a', 'b'], 1, Float32Array.of(1, -1), Float32Array.of(0, 0));
    const bags = { tokens: Float32Array.of(0.5, 2, -1, 1), tokensPerBag: 4 };
    expect(Array.from(poolTokenLogits({ linear, topK: 2 }, bags).scores)).toEqual([1.5, 0.25]);
    expect(Array.from(poolTokenLogits({ linear, topK: 1 }, bags).scores)).toEqual([2, 1]);
  });
});

describe('trainTokenHead', () => {
  it('learns from bag labels alone which tokens are the lesion (token AUC near 1 on new bags)', () => {
    const train = syntheticBags(40, 1);
    const { head, history } = trainTokenHead(train, { classes: ['background', 'lesion'], topK: 2, epochs: 30, validation: syntheticBags(10, 2), seed: 0 });
    expect(history[history.length - 1]!.trainLoss).toBeLessThan(history[0]!.trainLoss);
    const test = syntheticBags(10, 3);
    const logits = tokenLogits(head, test.tokens);
    const map = createScalarMap(1, test.lesion.length, Float32Array.from(test.lesion, (_, i) => logits[2 * i + 1]! - logits[2 * i]!));
    expect(mapRocAuc(map, createMask(1, test.lesion.length, test.lesion))).toBeGreaterThan(0.95);
  });

  it('is deterministic for a seed', () => {
    const bags = syntheticBags(12, 4);
    const run = () => trainTokenHead(bags, { classes: ['x', 'y'], epochs: 3, seed: 5 }).head.linear.weight;
    expect(run()).toEqual(run());
  });

  it('rejects a label outside the classes', () => {
    const bags = { ...syntheticBags(4, 1), labels: Int32Array.of(0, 1, 2, 0) };
    expect(() => trainTokenHead(bags, { classes: ['x', 'y'] })).toThrow(InvalidArgumentError);
  });
});
