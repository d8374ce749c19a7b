import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, createRng } from '../../src/core/index.js';
import {
  bilateralFeatures, createKernel, gaussianFeatures, inferMeanField, labelsFromMarginals,
  probabilitiesFromForeground, unaryFromProbabilities, type MeanFieldIteration,
} from '../../src/crf/index.js';
import { naiveMeanField, twoColourImage } from './oracle.js';

/** An 8x8 two-colour image with an uncertain, noisy foreground map leaning the right way. */
function problem(seed: number) {
  const rows = 8;
  const { image } = twoColourImage(rows, rows, seed);
  const rng = createRng(seed + 100);
  const soft = new Float32Array(rows * rows).map((_, i) => Math.min(1, Math.max(0, ((i % rows) >= 4 ? 0.6 : 0.4) + 0.25 * rng.normal())));
  const unary = unaryFromProbabilities(probabilitiesFromForeground({ data: soft, rows, cols: rows }));
  const smooth = gaussianFeatures(rows, rows, 3);
  const appearance = bilateralFeatures(image, { sxy: 80, srgb: 13 });
  return { unary, smooth, appearance };
}

function terms(p: ReturnType<typeof problem>, backend: 'lattice' | 'exact', weights = [3, 10]) {
  return [
    { kernel: createKernel(p.smooth, { backend }), weight: weights[0]! },
    { kernel: createKernel(p.appearance, { backend }), weight: weights[1]! },
  ];
}

describe('inferMeanField', () => {
  it('with exact kernels reproduces the independent dense oracle to float precision', () => {
    const p = problem(1);
    const ours = inferMeanField(p.unary, terms(p, 'exact'), { iterations: 5 });
    const oracle = naiveMeanField(p.unary.data, 2, [
      { features: p.smooth.data, dimensions: 2, weight: 3 },
      { features: p.appearance.data, dimensions: 5, weight: 10 },
    ], 5);
    const maxDifference = Math.max(...Array.from(ours, (q, i) => Math.abs(q - oracle[i]!)));
    expect(maxDifference).toBeLessThan(1e-5);
  });

  // The lattice approximates the kernels. Measured on these 8x8 problems: mean |Q_lattice - Q_exact|
  // 1e-5 (saturated weights 3/10) to 0.017 (weights 1/3, max 0.35 at one boundary pixel), MAP labels
  // identical, while the CRF flips 8 to 24 pixels away from the unary's labels. Bound: mean < 0.03.
  it.each([[1, 3, 10], [2, 3, 10], [3, 1, 3], [4, 1, 3], [5, 0.5, 1.5]])('with lattice kernels agrees with the exact dense CRF on 8x8 images (seed %d, weights %f, %f)', (seed, smoothWeight, appearanceWeight) => {
    const p = problem(seed);
    const lattice = inferMeanField(p.unary, terms(p, 'lattice', [smoothWeight, appearanceWeight]), { iterations: 5 });
    const exact = inferMeanField(p.unary, terms(p, 'exact', [smoothWeight, appearanceWeight]), { iterations: 5 });
    const meanDifference = Array.from(lattice, (q, i) => Math.abs(q - exact[i]!)).reduce((a, b) => a + b) / lattice.length;
    expect(meanDifference).toBeLessThan(0.03);
    expect(Array.from(labelsFromMarginals(lattice, 2))).toEqual(Array.from(labelsFromMarginals(exact, 2)));
    const fromUnary = labelsFromMarginals(p.unary.data.map((e) => -e), 2);
    const changed = labelsFromMarginals(exact, 2).reduce((n, label, i) => n + (label !== fromUnary[i] ? 1 : 0), 0);
    expect(changed).toBeGreaterThan(3);
  });

  it('without pairwise terms returns softmax(-unary) (the documented example)', () => {
    const unary = { data: Float32Array.of(0, 0, 1, 1), labels: 2, rows: 1, cols: 2 };
    const q = inferMeanField(unary, [], { iterations: 3 });
    expect(Array.from(q).map((x) => Number(x.toFixed(4)))).toEqual([0.7311, 0.7311, 0.2689, 0.2689]);
  });

  it('reports every iteration in order and keeps marginals normalised', () => {
    const p = problem(4);
    const events: number[] = [];
    const q = inferMeanField(p.unary, terms(p, 'lattice'), {
      iterations: 4,
      onIteration: (event: MeanFieldIteration) => events.push(event.iteration),
    });
    expect(events).toEqual([1, 2, 3, 4]);
    for (let i = 0; i < 64; i++) expect(q[i]! + q[64 + i]!).toBeCloseTo(1, 5);
  });

  it('throws InvalidArgumentError for a kernel of another size or bad iterations', () => {
    const p = problem(5);
    const wrong = { kernel: createKernel(gaussianFeatures(4, 4, 3)), weight: 3 };
    expect(() => inferMeanField(p.unary, [wrong])).toThrow(/expected a kernel over 64 pixels for pairwise term 0 but received 16/);
    expect(() => inferMeanField(p.unary, [], { iterations: -1 })).toThrow(InvalidArgumentError);
  });
});
