import { createScalarMap, ensureInteger, ensureMap, ensureNumber, type ScalarMap } from '../core/index.js';
import { finiteRange } from './histogram.js';

export interface AdaptiveEqualizationOptions {
  /** Tiles along rows and along cols (scikit-image's default kernel is 1/8 of each side, i.e. 8 x 8 tiles). */
  tileRows?: number;
  tileCols?: number;
  /** Fraction of a tile's pixels any one bin may hold, in [0, 1]; 0 disables clipping (as in scikit-image). */
  clipLimit?: number;
  bins?: number;
}

/**
 * Contrast-limited adaptive histogram equalisation (CLAHE), close to scikit-image's
 * `exposure.equalize_adapthist`: the map is scaled to [0, 1] and binned; each tile's histogram is clipped
 * at `clipLimit * tilePixels` with the excess spread evenly over all bins; each tile maps a bin to its
 * cumulative fraction; every pixel blends the mappings of the four nearest tile centres bilinearly.
 * It differs from scikit-image in the clipping redistribution (one even pass) and in not padding the image.
 * Reference: K. Zuiderveld, "Contrast Limited Adaptive Histogram Equalization", Graphics Gems IV, 1994.
 *
 * @example equalizeAdaptive(map, { tileRows: 8, tileCols: 8, clipLimit: 0.01 })
 */
export function equalizeAdaptive(map: ScalarMap, options: AdaptiveEqualizationOptions = {}): ScalarMap {
  ensureMap(map);
  const tileRows = ensureInteger(options.tileRows ?? 8, 'the number of tile rows', { min: 1, max: map.rows });
  const tileCols = ensureInteger(options.tileCols ?? 8, 'the number of tile cols', { min: 1, max: map.cols });
  const clipLimit = ensureNumber(options.clipLimit ?? 0.01, 'the clip limit', { min: 0, max: 1 });
  const bins = ensureInteger(options.bins ?? 256, 'the number of histogram bins', { min: 2 });
  const { min, max } = finiteRange(map.data, 'the map to equalise');
  if (min === max) return createScalarMap(map.rows, map.cols, Float32Array.from(map.data));
  const binOf = binIndices(map.data, min, max, bins);
  const rowEdges = tileEdges(map.rows, tileRows);
  const colEdges = tileEdges(map.cols, tileCols);
  const mappings: Float64Array[] = [];
  for (let ty = 0; ty < tileRows; ty++) {
    for (let tx = 0; tx < tileCols; tx++) {
      const region = { r0: rowEdges[ty]!, r1: rowEdges[ty + 1]!, c0: colEdges[tx]!, c1: colEdges[tx + 1]! };
      mappings.push(tileMapping(binOf, map.cols, region, { bins, clipLimit }));
    }
  }
  return blendTiles(binOf, map, { rowEdges, colEdges, mappings });
}

function binIndices(values: Float32Array, min: number, max: number, bins: number): Int32Array {
  const out = new Int32Array(values.length);
  const scale = bins / (max - min);
  for (let i = 0; i < values.length; i++) out[i] = Math.min(Math.floor((values[i]! - min) * scale), bins - 1);
  return out;
}

/** Tile boundaries splitting `length` into `tiles` near-equal parts (the first tiles are never larger). */
function tileEdges(length: number, tiles: number): Int32Array {
  const edges = new Int32Array(tiles + 1);
  for (let i = 0; i <= tiles; i++) edges[i] = Math.floor((i * length) / tiles);
  return edges;
}

type Region = { r0: number; r1: number; c0: number; c1: number };

/** Clipped cumulative histogram of one tile, as a lookup from bin to output value in [0, 1]. */
function tileMapping(binOf: Int32Array, cols: number, region: Region, options: { bins: number; clipLimit: number }): Float64Array {
  const hist = new Float64Array(options.bins);
  for (let r = region.r0; r < region.r1; r++) {
    for (let c = region.c0; c < region.c1; c++) hist[binOf[r * cols + c]!]! += 1;
  }
  const pixels = (region.r1 - region.r0) * (region.c1 - region.c0);
  if (options.clipLimit > 0) clipHistogram(hist, Math.max(1, Math.floor(options.clipLimit * pixels)));
  let running = 0;
  for (let b = 0; b < hist.length; b++) hist[b] = (running += hist[b]!) / pixels;
  return hist;
}

/** Cap every bin at `limit` and spread the excess evenly, so the total count is preserved. */
function clipHistogram(hist: Float64Array, limit: number): void {
  let excess = 0;
  for (let b = 0; b < hist.length; b++) {
    if (hist[b]! > limit) {
      excess += hist[b]! - limit;
      hist[b] = limit;
    }
  }
  const share = excess / hist.length;
  for (let b = 0; b < hist.length; b++) hist[b]! += share;
}

/** Bilinear blend of the tile mappings around each pixel; pixels beyond the outer tile centres clamp. */
function blendTiles(binOf: Int32Array, map: ScalarMap, tiles: { rowEdges: Int32Array; colEdges: Int32Array; mappings: Float64Array[] }): ScalarMap {
  const out = createScalarMap(map.rows, map.cols);
  const tileCols = tiles.colEdges.length - 1;
  const rowWeights = axisWeights(map.rows, tiles.rowEdges);
  const colWeights = axisWeights(map.cols, tiles.colEdges);
  for (let r = 0; r < map.rows; r++) {
    const { low: ty0, high: ty1, weight: wy } = rowWeights[r]!;
    for (let c = 0; c < map.cols; c++) {
      const { low: tx0, high: tx1, weight: wx } = colWeights[c]!;
      const b = binOf[r * map.cols + c]!;
      const top = (1 - wx) * tiles.mappings[ty0 * tileCols + tx0]![b]! + wx * tiles.mappings[ty0 * tileCols + tx1]![b]!;
      const bottom = (1 - wx) * tiles.mappings[ty1 * tileCols + tx0]![b]! + wx * tiles.mappings[ty1 * tileCols + tx1]![b]!;
      out.data[r * map.cols + c] = (1 - wy) * top + wy * bottom;
    }
  }
  return out;
}

/** For each position, the two tiles whose centres bracket it and the weight of the second. */
function axisWeights(length: number, edges: Int32Array): Array<{ low: number; high: number; weight: number }> {
  const tiles = edges.length - 1;
  const centres = Array.from({ length: tiles }, (_, t) => (edges[t]! + edges[t + 1]! - 1) / 2);
  const out: Array<{ low: number; high: number; weight: number }> = [];
  let t = 0;
  for (let p = 0; p < length; p++) {
    while (t < tiles - 1 && p > centres[t + 1]!) t++;
    if (tiles === 1 || p <= centres[0]!) out.push({ low: 0, high: 0, weight: 0 });
    else if (p >= centres[tiles - 1]!) out.push({ low: tiles - 1, high: tiles - 1, weight: 0 });
    else out.push({ low: t, high: t + 1, weight: (p - centres[t]!) / (centres[t + 1]! - centres[t]!) });
  }
  return out;
}
