import { readFileSync } from 'node:fs';
import { createMask, createScalarMap, type Mask, type ScalarMap } from '../../src/core/index.js';

const DIR = new URL('../fixtures/postprocess/', import.meta.url);

export function readFixture<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(name, DIR), 'utf8')) as T;
}

export function maskFromBits(rows: number, cols: number, bits: string): Mask {
  return createMask(rows, cols, Uint8Array.from(bits, (ch) => (ch === '1' ? 1 : 0)));
}

export function bitsOf(mask: Mask): string {
  return Array.from(mask.data, (v) => (v ? '1' : '0')).join('');
}

export function mapFromValues(rows: number, cols: number, values: number[]): ScalarMap {
  return createScalarMap(rows, cols, Float32Array.from(values));
}

/** Parse a picture like ['.#.', '###'] into a mask ('#' or '1' is foreground). */
export function maskFromPicture(lines: string[]): Mask {
  const cols = lines[0]!.length;
  return maskFromBits(lines.length, cols, lines.join('').replace(/[#1]/g, '1').replace(/[^1]/g, '0'));
}

export function pictureOf(mask: Mask): string[] {
  const lines: string[] = [];
  for (let r = 0; r < mask.rows; r++) {
    lines.push(Array.from(mask.data.subarray(r * mask.cols, (r + 1) * mask.cols), (v) => (v ? '#' : '.')).join(''));
  }
  return lines;
}
