import { describe, expect, it } from 'vitest';
import { createScalarMap, InvalidArgumentError } from '../../src/core/index.js';
import { darkBorderRegions } from '../../src/postprocess/index.js';

const grid = (rows: string[]) => createScalarMap(rows.length, rows[0]!.length, Float32Array.from(rows.join(''), (c) => (c === '#' ? 0 : 0.5)));

describe('darkBorderRegions', () => {
  it('keeps dark regions that touch the border and drops interior ones', () => {
    const gray = grid([
      '##.....',
      '##..#..',
      '....#..',
      '.......',
      '......#',
    ]);
    const mask = darkBorderRegions(gray, { threshold: 0.1 });
    expect(Array.from(mask.data).join('')).toBe(['1100000', '1100000', '0000000', '0000000', '0000001'].join(''));
  });

  it('returns an empty mask for an image without dark pixels and rejects a bad threshold', () => {
    expect(darkBorderRegions(grid(['...', '...'])).data.every((v) => v === 0)).toBe(true);
    expect(() => darkBorderRegions(grid(['.']), { threshold: 2 })).toThrow(InvalidArgumentError);
  });
});
