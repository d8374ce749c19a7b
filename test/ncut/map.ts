import { createScalarMap } from '../../src/core/index.js';
import type { ScalarMap } from '../../src/core/index.js';

export function createMap(rows: number, cols: number, value: (row: number, col: number) => number): ScalarMap {
  const map = createScalarMap(rows, cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) map.data[r * cols + c] = value(r, c);
  return map;
}
