import { ensure, ensureInteger } from '../core/index.js';

/** A binary structuring element, rows x cols of 0/1; its centre is (floor(rows/2), floor(cols/2)) as in SciPy. */
export interface Footprint {
  readonly data: Uint8Array;
  readonly rows: number;
  readonly cols: number;
}

/**
 * A horizontal run of footprint ones as offsets from the centre: row offset `dy`, columns `dx0..dx1`.
 * Morphology works on runs rather than single offsets so a disk costs one range query per footprint row.
 */
export interface FootprintRun {
  readonly dy: number;
  readonly dx0: number;
  readonly dx1: number;
}

/**
 * A disk of the given radius: offsets with dy^2 + dx^2 <= r^2 (scikit-image `morphology.disk`).
 * @example footprintDisk(1) // the 3x3 cross
 */
export function footprintDisk(radius: number): Footprint {
  ensureInteger(radius, 'the disk radius', { min: 0 });
  const size = 2 * radius + 1;
  const data = new Uint8Array(size * size);
  for (let y = -radius; y <= radius; y++) {
    for (let x = -radius; x <= radius; x++) {
      if (y * y + x * x <= radius * radius) data[(y + radius) * size + x + radius] = 1;
    }
  }
  return { data, rows: size, cols: size };
}

/** An n x n square of ones (scikit-image `morphology.square`); even sizes centre at floor(n/2) as SciPy does. */
export function footprintSquare(size: number): Footprint {
  ensureInteger(size, 'the square side', { min: 1 });
  return { data: new Uint8Array(size * size).fill(1), rows: size, cols: size };
}

/** A footprint from a nested array of 0/1 (or booleans), for custom shapes. */
export function footprintFromRows(rowsOfValues: ReadonlyArray<ReadonlyArray<number | boolean>>): Footprint {
  const rows = rowsOfValues.length;
  const cols = rows > 0 ? rowsOfValues[0]!.length : 0;
  ensure(rows > 0 && cols > 0 && rowsOfValues.every((row) => row.length === cols),
    'a non-empty rectangular array', 'the footprint', rowsOfValues);
  const data = new Uint8Array(rows * cols);
  rowsOfValues.forEach((row, y) => row.forEach((v, x) => { data[y * cols + x] = v ? 1 : 0; }));
  return { data, rows, cols };
}

/** Runs of ones as offsets from the centre; `reflect` negates them (dilation uses the reflected set). */
export function footprintRuns(footprint: Footprint, reflect: boolean): FootprintRun[] {
  const cy = Math.floor(footprint.rows / 2);
  const cx = Math.floor(footprint.cols / 2);
  const runs: FootprintRun[] = [];
  for (let y = 0; y < footprint.rows; y++) {
    let x = 0;
    while (x < footprint.cols) {
      if (!footprint.data[y * footprint.cols + x]) { x++; continue; }
      const start = x;
      while (x < footprint.cols && footprint.data[y * footprint.cols + x]) x++;
      const run = { dy: y - cy, dx0: start - cx, dx1: x - 1 - cx };
      runs.push(reflect ? { dy: -run.dy, dx0: -run.dx1, dx1: -run.dx0 } : run);
    }
  }
  return runs;
}

export function ensureFootprint(footprint: Footprint): void {
  ensure(footprint.rows > 0 && footprint.cols > 0 && footprint.data.length === footprint.rows * footprint.cols,
    'a footprint with rows x cols values', 'the footprint', `${footprint.rows}x${footprint.cols}`);
}
