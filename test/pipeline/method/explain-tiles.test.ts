import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../../src/core/index.js';
import type { VitModel } from '../../../src/backbone/vit-model.js';
import type { HeadModel } from '../../../src/head/index.js';
import { explainImage, gradientEvaluationsPerImage } from '../../../src/pipeline/method/explain-image.js';
import { TileStitcher, tileGrid, tilesFor, tileWindow } from '../../../src/pipeline/method/explain-tiles.js';
import { blobImage, explainConfig, tinyClassifier } from '../../helpers/explain-fixture.js';

const origins = (tiles: { top: number; left: number }[], axis: 'top' | 'left'): number[] => [...new Set(tiles.map((tile) => tile[axis]))];

describe('tileGrid', () => {
  it.each([
    // rows, cols, tile, stride, row origins, col origins (hand-computed: regular steps, then one flush with the far edge)
    [10, 10, 4, 4, [0, 4, 6], [0, 4, 6]],
    [8, 12, 4, undefined, [0, 2, 4], [0, 2, 4, 6, 8]],
    [5, 7, 5, undefined, [0], [0, 2]],
    [40, 48, 20, undefined, [0, 10, 20], [0, 10, 20, 28]],
  ] as const)('%ix%i with tile %i stride %s', (rows, cols, tileSize, stride, tops, lefts) => {
    const tiles = tileGrid(rows, cols, { tileSize, ...(stride === undefined ? {} : { stride }) });
    expect(origins(tiles, 'top')).toEqual(tops);
    expect(origins(tiles, 'left')).toEqual(lefts);
    expect(tiles).toHaveLength(tops.length * lefts.length);
  });

  it('covers every pixel with tiles that lie inside the image', () => {
    for (const [rows, cols, tileSize, stride] of [[37, 53, 9, 4], [64, 64, 16, 16], [11, 30, 11, 3], [13, 17, 1, 1]] as const) {
      const covered = new Uint8Array(rows * cols);
      for (const tile of tileGrid(rows, cols, { tileSize, stride })) {
        expect(tile.top + tile.rows <= rows && tile.left + tile.cols <= cols && tile.top >= 0 && tile.left >= 0).toBe(true);
        for (let y = tile.top; y < tile.top + tile.rows; y++) covered.fill(1, y * cols + tile.left, y * cols + tile.left + tile.cols);
      }
      expect(covered.every((value) => value === 1)).toBe(true);
    }
  });

  it('rejects a tile larger than the short side and a stride larger than the tile', () => {
    expect(() => tileGrid(10, 20, { tileSize: 11 })).toThrow(InvalidArgumentError);
    expect(() => tileGrid(10, 20, { tileSize: 4, stride: 5 })).toThrow(/expected an integer in \[1, 4\] for the tile stride/);
    expect(() => tilesFor({ rows: 10, cols: 10 }, { tileFraction: 0 })).toThrow(InvalidArgumentError);
  });

  it('sizes tiles as tileFraction of the short side (the Kvasir patch rule)', () => {
    expect(tilesFor({ rows: 530, cols: 622 }, { tileFraction: 0.25 })[0]!.rows).toBe(132);
  });
});

describe('tileWindow and TileStitcher', () => {
  it('is a positive, symmetric Hann window whose 50 % shifts sum to one', () => {
    const size = 8;
    const window = tileWindow(size);
    // The window is separable, p[y] p[x]; the first row divided by sqrt(p[0]^2) recovers the 1-D profile.
    const profile = Array.from({ length: size }, (_, x) => window[x]! / Math.sqrt(window[0]!));
    expect(Math.min(...window)).toBeGreaterThan(0);
    for (let x = 0; x < size; x++) expect(profile[x]).toBeCloseTo(profile[size - 1 - x]!, 6);
    // sin^2(pi (i + 0.5) / 8) + sin^2(pi (i + 4.5) / 8) = sin^2 + cos^2 = 1
    for (let x = 0; x < size / 2; x++) expect(profile[x]! + profile[x + size / 2]!).toBeCloseTo(1, 6);
  });

  it('averages two overlapping tiles by hand: size-2 windows are flat (0.5 x 0.5), so the shared column is the mean', () => {
    const stitcher = new TileStitcher(2, 3);
    stitcher.add({ top: 0, left: 0, rows: 2, cols: 2 }, new Float32Array(4).fill(1));
    stitcher.add({ top: 0, left: 1, rows: 2, cols: 2 }, new Float32Array(4).fill(3));
    expect(Array.from(stitcher.result())).toEqual([1, 2, 3, 1, 2, 3]);
  });

  it('stitches a constant per-tile map into the same constant, and tile constants into their range', () => {
    const tiles = tileGrid(37, 53, { tileSize: 12 });
    const constant = new TileStitcher(37, 53, 2);
    const varying = new TileStitcher(37, 53);
    tiles.forEach((tile, t) => {
      constant.add(tile, new Float32Array(2 * 144).fill(0.7).fill(-2, 144));
      varying.add(tile, new Float32Array(144).fill(t));
    });
    const result = constant.result();
    for (let i = 0; i < 37 * 53; i++) {
      expect(result[i]).toBeCloseTo(0.7, 5);
      expect(result[37 * 53 + i]).toBeCloseTo(-2, 5);
    }
    const blended = varying.result();
    expect(Math.min(...blended)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...blended)).toBeLessThanOrEqual(tiles.length - 1 + 1e-4);
  });

  it('rejects a tile whose values do not match its size', () => {
    expect(() => new TileStitcher(4, 4).add({ top: 0, left: 0, rows: 2, cols: 2 }, new Float32Array(3))).toThrow(InvalidArgumentError);
  });
});

describe("explainImage with view 'tiles' on a tiny random ViT (16x16 input)", () => {
  let model: VitModel;
  let head: HeadModel;
  beforeAll(async () => {
    ({ model, head } = await tinyClassifier());
  });
  afterAll(async () => {
    await model.dispose();
  });

  const tiledConfig = (explain: Parameters<typeof explainConfig>[0], tileFraction = 0.5) => explainConfig(explain, { view: 'tiles', tileFraction });

  it('gives maps at the original size in [0, 1], a 16x16 input map and a 3x16x16 attribution', async () => {
    const result = await explainImage(blobImage(40, 48), { model, head, config: tiledConfig({ nSteps: 2, ntSamples: 2 }) });
    expect([result.attribution.channels, result.attribution.rows, result.attribution.cols]).toEqual([3, 16, 16]);
    expect([result.relevance.input.rows, result.relevance.input.cols]).toEqual([16, 16]);
    for (const map of [result.relevance.original, result.feature.original, result.fused]) {
      expect([map.rows, map.cols]).toEqual([40, 48]);
      expect(Math.min(...map.data)).toBeGreaterThanOrEqual(0);
      expect(Math.max(...map.data)).toBeLessThanOrEqual(1);
    }
    expect(Math.max(...result.relevance.original.data)).toBeGreaterThan(0.5);
    // 12 tiles x 2 noisy samples
    expect(result.convergence.deltas).toHaveLength(24);
    expect(Number.isFinite(result.convergence.relativeDelta)).toBe(true);
  });

  it('costs tiles x per-image gradient evaluations, reported per gradient batch without going backwards', async () => {
    const config = tiledConfig({ nSteps: 3, ntSamples: 2, internalBatchSize: 7 });
    const tiles = tilesFor({ rows: 40, cols: 48 }, config).length;
    let evaluated = 0;
    const counting = Object.create(model) as VitModel;
    counting.inputGradient = async (pixels, batch, seed) => {
      evaluated += batch;
      return model.inputGradient(pixels, batch, seed);
    };
    const events: { done: number; total: number }[] = [];
    await explainImage(blobImage(40, 48), { model: counting, head, config }, (event) => events.push(event));
    expect(tiles).toBe(12);
    expect(evaluated).toBe(tiles * gradientEvaluationsPerImage(config.explain));
    expect(events.every((event) => event.total === evaluated)).toBe(true);
    expect(events.map((event) => event.done)).toEqual([...events.map((event) => event.done)].sort((a, b) => a - b));
    expect(events.at(-1)!.done).toBe(evaluated);
  });

  it('is reproducible from the seed and changes with it', async () => {
    const config = tiledConfig({ nSteps: 2, ntSamples: 2 });
    const image = blobImage(40, 48);
    const first = await explainImage(image, { model, head, config, seed: 5 });
    const again = await explainImage(image, { model, head, config, seed: 5 });
    const other = await explainImage(image, { model, head, config, seed: 6 });
    expect(Array.from(again.relevance.original.data)).toEqual(Array.from(first.relevance.original.data));
    expect(Array.from(again.attribution.data)).toEqual(Array.from(first.attribution.data));
    expect(Array.from(other.relevance.original.data)).not.toEqual(Array.from(first.relevance.original.data));
  });

  it('equals the resize view when one tile covers a square image (no noise, so no seed difference)', async () => {
    const explain = { nSteps: 4, ntSamples: 0, smoothSigma: 1.5 };
    const image = blobImage(16, 16);
    const resized = await explainImage(image, { model, head, config: explainConfig(explain) });
    const tiled = await explainImage(image, { model, head, config: tiledConfig(explain, 1) });
    expect(tiled.relevance.original.data.length).toBe(256);
    for (let i = 0; i < 256; i++) expect(tiled.relevance.original.data[i]).toBeCloseTo(resized.relevance.original.data[i]!, 5);
    for (let i = 0; i < 3 * 256; i++) expect(tiled.attribution.data[i]).toBeCloseTo(resized.attribution.data[i]!, 6);
    expect(tiled.convergence.scoreDifference).toBeCloseTo(resized.convergence.scoreDifference, 4);
    expect(tiled.convergence.meanAbsDelta).toBeCloseTo(resized.convergence.meanAbsDelta, 4);
  });
});
