import { basename, join } from 'node:path';
import { writeFile } from 'node:fs/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { DatasetError, InputFileError, SizeMismatchError } from '../../../src/core/index.js';
import { evaluateMaskFolders, pairMaskFiles } from '../../../src/pipeline/evaluation/mask-folders.js';
import { makeTempDir, writeRectMask } from '../../data/synthetic.js';
import { writeHandCases } from './evaluate-cases.js';

let dirs: { pred: string; gt: string };
beforeAll(async () => {
  dirs = await writeHandCases(await makeTempDir('evaluate-hand-'));
});

describe('evaluateMaskFolders', () => {
  it('scores the hand cases (empty gt scores 1 with an empty prediction)', async () => {
    const { summary, pairs, resized } = await evaluateMaskFolders(dirs.pred, dirs.gt, { bootstrapResamples: 0 });
    expect(pairs.map((p) => p.id)).toEqual(['a', 'b', 'c']);
    expect(summary.rows.map((r) => [r.id, r.tp, r.fp, r.fn, r.tn])).toEqual([['a', 64, 64, 0, 128], ['b', 0, 0, 0, 256], ['c', 192, 0, 64, 0]]);
    expect(summary.meanIou).toBeCloseTo((0.5 + 1 + 0.75) / 3, 12);
    expect(summary.meanDice).toBeCloseTo((2 / 3 + 1 + 6 / 7) / 3, 12);
    expect(summary.pooledIou).toBeCloseTo(2 / 3, 12);
    expect(summary.pooledDice).toBeCloseTo(0.8, 12);
    expect(summary.pooledMeanIouTwoClass).toBeCloseTo((2 / 3 + 3 / 4) / 2, 12);
    // Per image (fg + bg) / 2: a (1/2 + 128/192) / 2, b (1 + 1) / 2, c (3/4 + 0) / 2.
    expect(summary.meanIouTwoClass).toBeCloseTo(((0.5 + 2 / 3) / 2 + 1 + 0.375) / 3, 12);
    expect(summary.intervals).toBeNull();
    expect(resized).toEqual([]);
  });

  it("leaves the empty-gt image out of the means under 'skip' but not out of the pooled scores", async () => {
    const { summary } = await evaluateMaskFolders(dirs.pred, dirs.gt, { emptyGroundTruth: 'skip', bootstrapResamples: 0 });
    expect(summary.scored).toBe(2);
    expect(summary.meanIou).toBeCloseTo((0.5 + 0.75) / 2, 12);
    expect(summary.meanDice).toBeCloseTo((2 / 3 + 6 / 7) / 2, 12);
    expect(summary.pooledIou).toBeCloseTo(2 / 3, 12);
  });

  it('gives bootstrap intervals inside the range of the per-image scores, reproducible by seed', async () => {
    const first = await evaluateMaskFolders(dirs.pred, dirs.gt, { bootstrapResamples: 200, seed: 7 });
    const again = await evaluateMaskFolders(dirs.pred, dirs.gt, { bootstrapResamples: 200, seed: 7 });
    const { meanIou } = first.summary.intervals!;
    expect(meanIou.low).toBeGreaterThanOrEqual(0.5);
    expect(meanIou.high).toBeLessThanOrEqual(1);
    expect(meanIou.low).toBeLessThan(first.summary.meanIou);
    expect(again.summary.intervals).toEqual(first.summary.intervals);
  });

  it('strips a prediction suffix before pairing', async () => {
    const suffixed = await writeHandCases(await makeTempDir('evaluate-suffix-'), { predSuffix: '_pred' });
    const pairs = await pairMaskFiles(suffixed.pred, suffixed.gt, { predSuffix: '_pred' });
    expect(pairs.map((p) => [p.id, basename(p.pred)])).toEqual([['a', 'a_pred.png'], ['b', 'b_pred.png'], ['c', 'c_pred.png']]);
    await expect(pairMaskFiles(suffixed.pred, suffixed.gt)).rejects.toBeInstanceOf(DatasetError);
  });
});

describe('pairing and size errors', () => {
  it('lists predictions without ground truth and ground truth without prediction together', async () => {
    const root = await makeTempDir('evaluate-unpaired-');
    await writeRectMask(join(root, 'pred', 'a.png'), 4, 4);
    await writeRectMask(join(root, 'pred', 'x.png'), 4, 4);
    await writeRectMask(join(root, 'pred', 'z.png'), 4, 4);
    await writeRectMask(join(root, 'gt', 'a.png'), 4, 4);
    await writeRectMask(join(root, 'gt', 'y.jpg'), 4, 4);
    const attempt = pairMaskFiles(join(root, 'pred'), join(root, 'gt'));
    await expect(attempt).rejects.toBeInstanceOf(DatasetError);
    await expect(attempt).rejects.toThrow(/2 prediction\(s\) in .*pred without ground truth[^]*x\.png[^]*z\.png[^]*1 ground truth mask\(s\) in .*gt without prediction[^]*y\.jpg/);
  });

  it('rejects two masks with one stem, an empty folder and a missing one', async () => {
    const root = await makeTempDir('evaluate-ambiguous-');
    await writeRectMask(join(root, 'pred', 'a.png'), 4, 4);
    await writeRectMask(join(root, 'pred', 'a.jpg'), 4, 4);
    await writeRectMask(join(root, 'gt', 'a.png'), 4, 4);
    await writeFile(join(root, 'notes.txt'), 'x');
    await expect(pairMaskFiles(join(root, 'pred'), join(root, 'gt'))).rejects.toThrow(/two masks in .* share the stem 'a'/);
    await expect(pairMaskFiles(root, join(root, 'gt'))).rejects.toThrow(/no mask images/);
    await expect(pairMaskFiles(join(root, 'nope'), join(root, 'gt'))).rejects.toBeInstanceOf(InputFileError);
  });

  it('names both files on a size mismatch, and resizes with nearest neighbour only when asked', async () => {
    const root = await makeTempDir('evaluate-size-');
    // Half-size prediction of case a: a 4x8 band on 8x8 becomes the 8x16 band on 16x16.
    await writeRectMask(join(root, 'pred', 'a.png'), 8, 8, { top: 0, left: 0, rows: 4, cols: 8 });
    await writeRectMask(join(root, 'gt', 'a.png'), 16, 16, { top: 0, left: 0, rows: 8, cols: 8 });
    const strict = evaluateMaskFolders(join(root, 'pred'), join(root, 'gt'), { bootstrapResamples: 0 });
    await expect(strict).rejects.toBeInstanceOf(SizeMismatchError);
    await expect(strict).rejects.toThrow(/--resize-pred[^]*pred\/a\.png is 8x8 but .*gt\/a\.png is 16x16/);
    const resized = await evaluateMaskFolders(join(root, 'pred'), join(root, 'gt'), { bootstrapResamples: 0, resizePred: true });
    expect(resized.resized).toEqual(['a']);
    expect(resized.summary.rows[0]).toMatchObject({ tp: 64, fp: 64, fn: 0, iou: 0.5 });
  });

  it('reports progress that never goes backwards and ends at the total', async () => {
    const events: number[] = [];
    await evaluateMaskFolders(dirs.pred, dirs.gt, { bootstrapResamples: 0, onProgress: (e) => events.push(e.done) });
    expect(events.at(-1)).toBe(3);
    expect(events).toEqual([...events].sort((x, y) => x - y));
  });
});
