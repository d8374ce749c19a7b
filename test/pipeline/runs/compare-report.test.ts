import { describe, expect, it } from 'vitest';
import { comparisonCsv, comparisonMarkdown, scoreComparison, type DatasetComparison } from '../../../src/pipeline/index.js';

/** Two images of 100 pixels: 'whole' predicts the whole frame, 'small' a tenth of it; the lesions cover 10% and 20%. */
function comparison(): DatasetComparison {
  const image = (id: string, gt: number) => ({
    id, part: 'held-out' as const, predictedClass: 'polyp', probability: 0.9, relativeConvergenceDelta: 0, timingsMs: {},
    counts: {
      xncut: { tp: gt, fp: 100 - gt, fn: 0, tn: 0 },
      'ellipse prior': { tp: 5, fp: 5, fn: gt - 5, tn: 100 - gt - 5 },
    },
  });
  return {
    dataset: { name: 'toy', kind: 'kvasir-seg', data: '/d', head: '/h', limit: 2 },
    images: [image('a', 10), image('b', 20)], failed: [], ellipseFraction: 0.1, heldOut: 2,
  };
}

describe('comparison tables show the predicted foreground fraction against the true one', () => {
  const results = [comparison()];
  const scores = scoreComparison(results, { seed: 0, bootstrapResamples: 0 });

  it('puts the mean predicted fraction in every cell and a ground-truth row under each table', () => {
    const markdown = comparisonMarkdown(results, scores, { command: 'explainseg compare --config c.json', setup: [] });
    expect(markdown).toContain('| xncut | 15.0 / 25.8 / fg 100.0 |');
    expect(markdown).toContain('| ellipse prior | 26.7 / 41.7 / fg 10.0 |');
    expect(markdown.match(/\| ground truth \| fg 15\.0 \|/g)).toHaveLength(2);
  });

  it('writes both fractions to the CSV', () => {
    const [header, xncut] = comparisonCsv(scores).split('\n');
    const columns = header!.split(',');
    const cells = xncut!.split(',');
    expect(Number(cells[columns.indexOf('meanPredictedFraction')])).toBeCloseTo(1, 12);
    expect(Number(cells[columns.indexOf('meanTrueFraction')])).toBeCloseTo(0.15, 12);
  });
});
