/**
 * Colormaps for relevance heatmaps: scalar in [0, 1] -> RGB in [0, 1].
 * Turbo: Mikhailov, "Turbo, An Improved Rainbow Colormap for Visualization" (Google AI blog, 2019),
 * here as 33 knots sampled from the published 256-entry table and joined linearly (max error 0.007,
 * generator: scripts/make-overlay-fixtures.py). Jet: the piecewise-linear definition matplotlib uses, exact.
 */
import { ensureOneOf } from '../core/index.js';

export const COLORMAPS = ['turbo', 'jet', 'gray'] as const;
export type ColormapName = (typeof COLORMAPS)[number];

/** One channel as a piecewise-linear function: sorted [x, y] knots spanning x = 0 .. 1. */
type Segments = readonly (readonly [number, number])[];

// prettier-ignore
const TURBO_KNOTS: readonly (readonly [number, number, number])[] = [
  [0.1900, 0.0718, 0.2322], [0.2249, 0.1632, 0.4502], [0.2509, 0.2517, 0.6324], [0.2680, 0.3373, 0.7790],
  [0.2762, 0.4199, 0.8897], [0.2755, 0.4996, 0.9648], [0.2594, 0.5777, 0.9986], [0.2153, 0.6567, 0.9806],
  [0.1602, 0.7332, 0.9252], [0.1130, 0.8034, 0.8482], [0.0927, 0.8634, 0.7655], [0.1179, 0.9101, 0.6900],
  [0.1922, 0.9474, 0.5993], [0.2992, 0.9758, 0.4953], [0.4210, 0.9935, 0.3912], [0.5400, 0.9991, 0.3005],
  [0.6384, 0.9910, 0.2365], [0.7205, 0.9669, 0.2073], [0.7994, 0.9277, 0.2042], [0.8704, 0.8768, 0.2146],
  [0.9290, 0.8173, 0.2261], [0.9707, 0.7523, 0.2262], [0.9921, 0.6810, 0.2059], [0.9963, 0.5952, 0.1724],
  [0.9853, 0.5018, 0.1324], [0.9610, 0.4084, 0.0921], [0.9253, 0.3229, 0.0577], [0.8797, 0.2521, 0.0349],
  [0.8230, 0.1909, 0.0195], [0.7547, 0.1367, 0.0093], [0.6747, 0.0895, 0.0045], [0.5830, 0.0492, 0.0049],
  [0.4796, 0.0158, 0.0106],
];

const JET_SEGMENTS: readonly [Segments, Segments, Segments] = [
  [[0, 0], [0.35, 0], [0.66, 1], [0.89, 1], [1, 0.5]],
  [[0, 0], [0.125, 0], [0.375, 1], [0.64, 1], [0.91, 0], [1, 0]],
  [[0, 0.5], [0.11, 1], [0.34, 1], [0.65, 0], [1, 0]],
];

/** Writes the colour of `value` (clamped to [0, 1]; NaN counts as 0) into `rgb`. */
export type ColormapFn = (value: number, rgb: Float32Array | number[]) => void;

export function colormapFunction(name: ColormapName): ColormapFn {
  ensureOneOf(name, 'the colormap', COLORMAPS);
  if (name === 'turbo') return turbo;
  if (name === 'jet') return jet;
  return gray;
}

function clampUnit(value: number): number {
  return value > 0 ? (value < 1 ? value : 1) : 0;
}

function turbo(value: number, rgb: Float32Array | number[]): void {
  const position = clampUnit(value) * (TURBO_KNOTS.length - 1);
  const lower = Math.min(Math.floor(position), TURBO_KNOTS.length - 2);
  const weight = position - lower;
  const a = TURBO_KNOTS[lower]!;
  const b = TURBO_KNOTS[lower + 1]!;
  for (let c = 0; c < 3; c++) rgb[c] = a[c]! + (b[c]! - a[c]!) * weight;
}

function jet(value: number, rgb: Float32Array | number[]): void {
  const x = clampUnit(value);
  for (let c = 0; c < 3; c++) rgb[c] = interpolateSegments(JET_SEGMENTS[c]!, x);
}

function gray(value: number, rgb: Float32Array | number[]): void {
  const x = clampUnit(value);
  rgb[0] = x;
  rgb[1] = x;
  rgb[2] = x;
}

function interpolateSegments(segments: Segments, x: number): number {
  for (let k = 1; k < segments.length; k++) {
    const [x1, y1] = segments[k]!;
    if (x <= x1) {
      const [x0, y0] = segments[k - 1]!;
      return y0 + ((y1 - y0) * (x - x0)) / (x1 - x0);
    }
  }
  return segments[segments.length - 1]![1];
}
