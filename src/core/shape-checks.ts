import { SizeMismatchError } from './errors.js';
import { ensure } from './validate.js';
import type { ImageTensor, Mask, ScalarMap } from './types.js';

type Grid = { rows: number; cols: number };

/** Throws SizeMismatchError unless both grids have the same rows and cols. */
export function ensureSameSize(a: Grid, b: Grid, what: string): void {
  if (a.rows !== b.rows || a.cols !== b.cols) {
    throw new SizeMismatchError(`expected ${a.rows}x${a.cols} for ${what} but received ${b.rows}x${b.cols}`);
  }
}

export function ensureImage(image: ImageTensor, what = 'the image'): void {
  const ok = Number.isInteger(image.channels) && image.channels > 0 && image.rows > 0 && image.cols > 0;
  ensure(ok, 'positive integer channels, rows and cols', what, `${image.channels}x${image.rows}x${image.cols}`);
  ensure(image.data.length === image.channels * image.rows * image.cols,
    `${image.channels * image.rows * image.cols} values (C x rows x cols)`, `${what}'s data`, image.data.length);
}

export function ensureMask(mask: Mask, what = 'the mask'): void {
  ensure(mask.rows > 0 && mask.cols > 0, 'positive rows and cols', what, `${mask.rows}x${mask.cols}`);
  ensure(mask.data.length === mask.rows * mask.cols, `${mask.rows * mask.cols} values`, `${what}'s data`, mask.data.length);
}

export function ensureMap(map: ScalarMap, what = 'the map'): void {
  ensure(map.rows > 0 && map.cols > 0, 'positive rows and cols', what, `${map.rows}x${map.cols}`);
  ensure(map.data.length === map.rows * map.cols, `${map.rows * map.cols} values`, `${what}'s data`, map.data.length);
}
