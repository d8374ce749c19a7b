/**
 * Hardening item 4: `evaluate` reads what `segment` writes (ID/mask.png, and corrected/ID.png when asked),
 * and refuses a soft or 16-bit map given as a prediction unless a threshold is named.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMask, createScalarMap, DatasetError, type Mask } from '../../../src/core/index.js';
import { writeMapPng16, writeMaskPng } from '../../../src/data/index.js';
import { evaluateMaskFolders } from '../../../src/pipeline/evaluation/index.js';

const ROWS = 8;
const COLS = 10;
/** Columns [from, to) set, all rows. */
const band = (from: number, to: number): Mask => createMask(ROWS, COLS, Uint8Array.from({ length: ROWS * COLS }, (_, i) => (i % COLS >= from && i % COLS < to ? 1 : 0)));

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'eval-layout-'));
  await writeMaskPng(join(dir, 'gt', 'a.png'), band(0, 4));
  await writeMaskPng(join(dir, 'gt', 'b.png'), band(5, 10));
  // A segment run folder: ID/mask.png (+ other files), a record folder, and one reviewer correction.
  await writeMaskPng(join(dir, 'run', 'a', 'mask.png'), band(0, 2)); // IoU 0.5
  await writeMaskPng(join(dir, 'run', 'b', 'mask.png'), band(5, 10)); // IoU 1
  await mkdir(join(dir, 'run', 'items'), { recursive: true });
  await writeMaskPng(join(dir, 'run', 'corrected', 'a.png'), band(0, 4)); // corrected: IoU 1
  // Soft 16-bit maps given as predictions: values ramp along the columns.
  const ramp = createScalarMap(ROWS, COLS, Float32Array.from({ length: ROWS * COLS }, (_, i) => (i % COLS) / (COLS - 1)));
  await writeMapPng16(join(dir, 'soft', 'a.png'), ramp);
  await writeMapPng16(join(dir, 'soft', 'b.png'), ramp);
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

describe('evaluate on a segment run folder', () => {
  it('pairs ID/mask.png with the ground truth by id', async () => {
    const result = await evaluateMaskFolders(join(dir, 'run'), join(dir, 'gt'), { bootstrapResamples: 0 });
    expect(result.pairs.map((p) => [p.id, p.pred])).toEqual([['a', join(dir, 'run', 'a', 'mask.png')], ['b', join(dir, 'run', 'b', 'mask.png')]]);
    expect(result.summary.meanIou).toBeCloseTo(0.75, 6);
  });

  it('scores the accepted corrections instead when asked', async () => {
    const result = await evaluateMaskFolders(join(dir, 'run'), join(dir, 'gt'), { bootstrapResamples: 0, preferCorrected: true });
    expect(result.pairs[0]!.pred).toBe(join(dir, 'run', 'corrected', 'a.png'));
    expect(result.summary.meanIou).toBeCloseTo(1, 6);
  });
});

describe('soft predictions', () => {
  it('are refused without a threshold, naming the files', async () => {
    const attempt = evaluateMaskFolders(join(dir, 'soft'), join(dir, 'gt'), { bootstrapResamples: 0 });
    await expect(attempt).rejects.toThrow(DatasetError);
    await expect(evaluateMaskFolders(join(dir, 'soft'), join(dir, 'gt'), { bootstrapResamples: 0 })).rejects.toThrow(/2 prediction\(s\) are soft maps .*--threshold[\s\S]*soft\/a\.png/);
  });

  it('are binarised at the threshold (a fraction of full scale) when one is given', async () => {
    const result = await evaluateMaskFolders(join(dir, 'soft'), join(dir, 'gt'), { bootstrapResamples: 0, threshold: 0.5 });
    expect(result.soft).toEqual(['a', 'b']);
    // Columns 5..9 are above one half: IoU 0 with a's band 0..3 and 1 with b's band 5..9.
    expect(result.summary.rows.map((row) => row.iou)).toEqual([0, 1]);
  });
});
