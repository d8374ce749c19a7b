import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, createMask, createScalarMap } from '../../src/core/index.js';
import { probabilitiesFromForeground, unaryFromLabels, unaryFromProbabilities } from '../../src/crf/index.js';

describe('unaryFromProbabilities (pydensecrf unary_from_softmax)', () => {
  it.each([
    // [probability, clip, expected -log(max(p, clip))]
    [0.8, 1e-5, 0.22314355],
    [0.2, 1e-5, 1.60943791],
    [1, 1e-5, 0],
    [0, 1e-5, 11.51292546],
    [0.001, 0.01, 4.60517019],
  ])('p = %f with clip %f gives %f', (p, clip, expected) => {
    const unary = unaryFromProbabilities({ data: Float32Array.of(p, 1 - p), labels: 2, rows: 1, cols: 1 }, { clip });
    expect(unary.data[0]).toBeCloseTo(expected, 5);
    expect(unary.labels).toBe(2);
  });

  it('rejects probabilities outside [0, 1] and a wrong data length', () => {
    expect(() => unaryFromProbabilities({ data: Float32Array.of(1.5, -0.5), labels: 2, rows: 1, cols: 1 }))
      .toThrow(/expected probabilities in \[0, 1\] for the label probabilities but received 1.5/);
    expect(() => unaryFromProbabilities({ data: new Float32Array(3), labels: 2, rows: 1, cols: 1 })).toThrow(InvalidArgumentError);
    expect(() => unaryFromProbabilities({ data: new Float32Array(2), labels: 2, rows: 1, cols: 1 }, { clip: 0 })).toThrow(InvalidArgumentError);
  });
});

describe('probabilitiesFromForeground', () => {
  it('stacks background 1 - p before foreground p', () => {
    const fields = probabilitiesFromForeground(createScalarMap(1, 2, Float32Array.of(0.25, 1)));
    expect(Array.from(fields.data)).toEqual([0.75, 0, 0.25, 1]);
    expect(() => probabilitiesFromForeground(createScalarMap(1, 1, Float32Array.of(2)))).toThrow(InvalidArgumentError);
  });
});

describe('unaryFromLabels (pydensecrf unary_from_labels, zero_unsure=False)', () => {
  it('gives -log(gtProb) to the given label and -log((1 - gtProb) / (L - 1)) to the others', () => {
    const mask = createMask(1, 2, Uint8Array.of(1, 0));
    const two = unaryFromLabels(mask, 2, { gtProb: 0.7 });
    expect(Array.from(two.data).map((x) => Number(x.toFixed(4)))).toEqual([1.204, 0.3567, 0.3567, 1.204]);
    const three = unaryFromLabels(createMask(1, 1, Uint8Array.of(2)), 3, { gtProb: 0.6 });
    expect(Array.from(three.data).map((x) => Number(x.toFixed(4)))).toEqual([1.6094, 1.6094, 0.5108]);
  });

  it('rejects a gtProb outside (0, 1), too few labels and labels out of range', () => {
    const mask = createMask(1, 1, Uint8Array.of(1));
    expect(() => unaryFromLabels(mask, 2, { gtProb: 1 })).toThrow(/expected a probability in \(0, 1\) for gtProb but received 1/);
    expect(() => unaryFromLabels(mask, 1)).toThrow(InvalidArgumentError);
    expect(() => unaryFromLabels(createMask(1, 1, Uint8Array.of(3)), 2)).toThrow(/expected labels below 2/);
  });
});
