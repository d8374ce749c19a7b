/**
 * Turning a reviewer's clicks and a run's soft map into the inputs of a seeded cut: hard seed disks, a
 * foreground prior calibrated so that its 0.5 level sits where the run's own mask cut the map, and prior
 * weights that fade to zero around each click (so a click's label spreads up to the image edges there,
 * while the prior keeps the rest of the mask as the run made it).
 */
import { createScalarMap, type Mask, type ScalarMap } from '../../core/index.js';

/** A reviewer's click in image pixels: label 1 adds foreground, 0 removes it. */
export interface Click {
  readonly row: number;
  readonly col: number;
  readonly label: 0 | 1;
}

/** Seed labels per pixel: -1 unknown, 0 background, 1 foreground (ncut's SeedGrid, restated). */
export interface SeedGrid {
  readonly data: Int8Array;
  readonly rows: number;
  readonly cols: number;
}

/** Disks of `radius` pixels around each click; a later click overrides an earlier one where they overlap. */
export function seedGrid(size: { rows: number; cols: number }, clicks: readonly Click[], radius: number): SeedGrid {
  const { rows, cols } = size;
  const data = new Int8Array(rows * cols).fill(-1);
  const reach = Math.floor(radius);
  for (const click of clicks) {
    for (let r = Math.max(0, click.row - reach); r <= Math.min(rows - 1, click.row + reach); r++) {
      for (let c = Math.max(0, click.col - reach); c <= Math.min(cols - 1, click.col + reach); c++) {
        if ((r - click.row) ** 2 + (c - click.col) ** 2 <= radius * radius) data[r * cols + c] = click.label;
      }
    }
  }
  return { data, rows, cols };
}

/**
 * p = sigmoid((m - t) / s) with t halfway between the map's mean inside and outside the run's mask and s a
 * quarter of that gap, clipped to [0.02, 0.98]; without both sides (an empty or full mask) t is the map's
 * mean and s = 0.1.
 */
export function calibratedPrior(map: ScalarMap, mask: Mask): ScalarMap {
  let inside = 0;
  let outside = 0;
  let insideCount = 0;
  for (let p = 0; p < map.data.length; p++) {
    if (mask.data[p]) { inside += map.data[p]!; insideCount += 1; } else outside += map.data[p]!;
  }
  const outsideCount = map.data.length - insideCount;
  const fg = insideCount > 0 ? inside / insideCount : Number.NaN;
  const bg = outsideCount > 0 ? outside / outsideCount : Number.NaN;
  const separated = Number.isFinite(fg) && Number.isFinite(bg) && fg > bg;
  const threshold = separated ? (fg + bg) / 2 : (inside + outside) / map.data.length;
  const spread = separated ? Math.max((fg - bg) / 4, 1e-3) : 0.1;
  const prior = createScalarMap(map.rows, map.cols);
  for (let p = 0; p < prior.data.length; p++) {
    const value = 1 / (1 + Math.exp(-(map.data[p]! - threshold) / spread));
    prior.data[p] = Math.min(0.98, Math.max(0.02, value));
  }
  return prior;
}

/** weight * (1 - exp(-d^2 / (2 reach^2))), d the distance to the nearest click: 0 at a click, `weight` far away. */
export function clickPriorWeights(size: { rows: number; cols: number }, clicks: readonly Click[], options: { weight: number; reach: number }): ScalarMap {
  const { rows, cols } = size;
  const weights = createScalarMap(rows, cols, new Float32Array(rows * cols).fill(options.weight));
  if (clicks.length === 0 || options.reach <= 0) return weights;
  const scale = 1 / (2 * options.reach * options.reach);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      let nearest = Infinity;
      for (const click of clicks) nearest = Math.min(nearest, (r - click.row) ** 2 + (c - click.col) ** 2);
      weights.data[r * cols + c] = options.weight * (1 - Math.exp(-nearest * scale));
    }
  }
  return weights;
}
