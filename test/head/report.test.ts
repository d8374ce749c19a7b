import { describe, expect, it } from 'vitest';
import { classificationReport, confusionMatrix, rocAuc, rocAucMulticlass, softmax } from '../../src/head/index.js';

describe('rocAuc (hand-computed, ties count one half)', () => {
  it.each([
    // scores, positives, AUC
    [[0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1], 0.75], // sklearn's documented example
    [[1, 2, 3, 4], [0, 0, 1, 1], 1],
    [[4, 3, 2, 1], [0, 0, 1, 1], 0],
    [[0.5, 0.5, 0.5, 0.5], [0, 1, 0, 1], 0.5], // all tied
    [[0.2, 0.5, 0.5, 0.9], [0, 0, 1, 1], 0.875], // pairs: (0.5 vs 0.2) 1, (0.5 vs 0.5) 1/2, 0.9 beats both: 3.5/4
    [[0.3, 0.3, 0.1, 0.3, 0.7], [1, 0, 0, 0, 1], 5 / 6], // pos 0.3 vs negs 0.3, 0.1, 0.3: 1/2 + 1 + 1/2; pos 0.7: 3
  ])('AUC(%j, %j) = %s', (scores, positives, expected) => {
    expect(rocAuc(scores, positives)).toBeCloseTo(expected, 12);
  });

  it('is null without both classes', () => {
    expect(rocAuc([0.1, 0.2], [1, 1])).toBeNull();
  });

  it('averages one-vs-rest AUCs for three classes', () => {
    // Class 0 and 2 perfectly ranked, class 1: its positive (row 1) scores 0.5, negatives 0.3, 0.1 -> AUC 1.
    const probabilities = Float32Array.from([0.8, 0.1, 0.1, 0.2, 0.5, 0.3, 0.1, 0.3, 0.6]);
    expect(rocAucMulticlass(probabilities, Int32Array.from([0, 1, 2]), 3)).toBe(1);
    const swapped = Float32Array.from([0.8, 0.1, 0.1, 0.2, 0.2, 0.6, 0.1, 0.5, 0.4]);
    // class 0: 1; class 1: positive 0.2 vs 0.1, 0.5 -> 0.5; class 2: positive 0.4 vs 0.1, 0.6 -> 0.5
    expect(rocAucMulticlass(swapped, Int32Array.from([0, 1, 2]), 3)).toBeCloseTo(2 / 3, 12);
  });
});

describe('classificationReport', () => {
  it('computes accuracy, balanced accuracy and the confusion matrix by hand', () => {
    // labels 0,0,0,1 ; predictions 0,0,1,1
    const probabilities = Float32Array.from([0.9, 0.1, 0.8, 0.2, 0.4, 0.6, 0.3, 0.7]);
    const report = classificationReport(probabilities, Int32Array.from([0, 0, 0, 1]), 2);
    expect(report.confusion).toEqual([[2, 1], [0, 1]]);
    expect(report.accuracy).toBe(0.75);
    expect(report.balancedAccuracy).toBeCloseTo((2 / 3 + 1) / 2, 12);
    expect(report.rocAuc).toBe(1);
    expect(report.perClass[1]).toEqual({ recall: 1, precision: 0.5, support: 1 });
    expect(() => confusionMatrix(Int32Array.from([2]), Int32Array.from([0]), 2)).toThrow(/label in \[0, 1\]/);
  });

  it('softmax rows sum to 1 and survive large logits', () => {
    const p = softmax(Float32Array.from([1000, 1000, 0, Math.log(3)]), 2);
    expect(Array.from(p)).toEqual([0.5, 0.5, 0.25, 0.75].map(Math.fround));
  });
});
