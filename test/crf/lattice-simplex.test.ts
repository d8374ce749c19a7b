import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, createRng } from '../../src/core/index.js';
import { locateInLattice } from '../../src/crf/index.js';

/** Barycentric coordinates of the enclosing simplex: the defining identities of Adams et al. 2010, Sec. 3. */
describe('locateInLattice', () => {
  const rng = createRng(21);
  const cases = [1, 2, 3, 5, 7].flatMap((d) => Array.from({ length: 20 }, () => Array.from({ length: d }, () => 6 * rng.normal())));

  it.each(cases.map((f, i) => [i, f] as const))('case %d: weights form a partition of unity that reproduces the elevated point', (_, feature) => {
    const d = feature.length;
    const { elevated, vertices, weights } = locateInLattice(feature);
    expect(elevated.reduce((a, b) => a + b, 0)).toBeCloseTo(0, 9);
    expect(weights.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
    for (const w of weights) expect(w).toBeGreaterThanOrEqual(-1e-9);
    for (let axis = 0; axis <= d; axis++) {
      const reconstructed = vertices.reduce((sum, vertex, k) => sum + weights[k]! * vertex[axis]!, 0);
      expect(reconstructed).toBeCloseTo(elevated[axis]!, 6);
    }
    vertices.forEach((vertex, remainder) => {
      expect(vertex.reduce((a, b) => a + b, 0)).toBe(0);
      for (const x of vertex) expect((((x - remainder) % (d + 1)) + d + 1) % (d + 1)).toBe(0);
    });
  });

  it('scales feature distances by sqrt(2/3) (d + 1), the lattice spacing of a unit-variance blur', () => {
    for (const d of [2, 5]) {
      const a = Array.from({ length: d }, () => rng.normal());
      const b = Array.from({ length: d }, () => rng.normal());
      const distance = Math.hypot(...a.map((x, i) => x - b[i]!));
      const ea = locateInLattice(a).elevated;
      const eb = locateInLattice(b).elevated;
      const elevatedDistance = Math.hypot(...Array.from(ea, (x, i) => x - eb[i]!));
      expect(elevatedDistance / distance).toBeCloseTo(Math.sqrt(2 / 3) * (d + 1), 9);
    }
  });

  it('puts the origin on a vertex with weight one', () => {
    const { weights, vertices } = locateInLattice([0, 0, 0]);
    expect(weights[0]).toBeCloseTo(1, 12);
    expect(Array.from(vertices[0]!)).toEqual([0, 0, 0, 0]);
  });

  it('rejects an empty feature vector', () => {
    expect(() => locateInLattice([])).toThrow(InvalidArgumentError);
  });
});
