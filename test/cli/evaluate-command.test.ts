import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DatasetError, InvalidArgumentError } from '../../src/core/index.js';
import type { ParsedArgs } from '../../src/cli/command.js';
import { evaluateCommand, resolveEvaluateConfig } from '../../src/cli/commands/evaluate.js';
import { makeTempDir, writeRectMask } from '../data/synthetic.js';
import { writeHandCases } from '../pipeline/evaluation/evaluate-cases.js';
import { fakeIo } from '../helpers/fake-io.js';

const args = (values: ParsedArgs['values'], positionals: string[] = []): ParsedArgs => ({ positionals, values });

let dirs: { pred: string; gt: string };
beforeAll(async () => {
  dirs = await writeHandCases(await makeTempDir('evaluate-cli-'));
});

describe('explainseg evaluate', () => {
  it('writes scores.csv, summary.json and summary.md with the hand-computed numbers', async () => {
    const out = join(await makeTempDir('evaluate-cli-out-'), 'eval');
    const io = fakeIo();
    expect(await evaluateCommand.run(args({ pred: dirs.pred, gt: dirs.gt, out, resamples: '100', seed: '3' }), io)).toBe(0);
    const csv = readFileSync(join(out, 'scores.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toBe('id,tp,fp,fn,tn,iou,dice,meanIouTwoClass,gtPixels,predPixels');
    expect(csv[1]).toMatch(/^a,64,64,0,128,0\.5,0\.666666/);
    expect(csv).toHaveLength(4);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(summary).toMatchObject({ images: 3, scored: 3, emptyGroundTruth: { rule: 'one-if-empty-prediction', images: 1 }, resizedPredictions: [] });
    expect(summary.meanIou).toBeCloseTo(0.75, 12);
    expect(summary.pooledDice).toBeCloseTo(0.8, 12);
    expect(summary.bootstrap).toMatchObject({ level: 0.95, resamples: 100 });
    const rows = csv.slice(1).map((line) => line.split(',').map(Number));
    const fractionOf = (row: number[], column: number): number => row[column]! / (row[1]! + row[2]! + row[3]! + row[4]!);
    expect(summary.meanPredictedFraction).toBeCloseTo(rows.reduce((s, row) => s + fractionOf(row, 9), 0) / rows.length, 12);
    expect(summary.meanTrueFraction).toBeCloseTo(rows.reduce((s, row) => s + fractionOf(row, 8), 0) / rows.length, 12);
    const markdown = readFileSync(join(out, 'summary.md'), 'utf8');
    expect(markdown).toContain('| mean IoU over images (foreground) | 0.7500 | 95% bootstrap interval [');
    expect(markdown).toContain('| pooled Dice (pixels summed over images) | 0.8000 |');
    expect(markdown).toMatch(/\| predicted foreground fraction, mean over images \| 0\.\d{4} \| true 0\.\d{4} \|/);
    expect(markdown).toMatch(/empty ground truth rule `one-if-empty-prediction`: an image whose ground truth is empty scores IoU = Dice = 1/);
    expect(io.out()).toMatch(/mean Dice over images \(foreground\)\s+0\.8413/);
    expect(io.err()).toMatch(/evaluate \[#+\] 3\/3/);
  });

  it('prints summary.json with --json, null for the intervals when resampling is off, and writes nothing without --out', async () => {
    const io = fakeIo();
    await evaluateCommand.run(args({ pred: dirs.pred, gt: dirs.gt, json: true, resamples: '0', 'empty-gt': 'skip' }), io);
    const printed = JSON.parse(io.out());
    expect(printed).toMatchObject({ scored: 2, bootstrap: null, emptyGroundTruth: { rule: 'skip' } });
    expect(printed.meanIou).toBeCloseTo(0.625, 12);
    expect(io.err()).not.toMatch(/wrote/);
  });

  it('resizes mismatched predictions only with --resize-pred, and says so', async () => {
    const root = await makeTempDir('evaluate-cli-size-');
    await writeRectMask(join(root, 'pred', 'a.png'), 8, 8, { top: 0, left: 0, rows: 4, cols: 8 });
    await writeRectMask(join(root, 'gt', 'a.png'), 16, 16, { top: 0, left: 0, rows: 8, cols: 8 });
    const plain = args({ pred: join(root, 'pred'), gt: join(root, 'gt'), resamples: '0' });
    await expect(evaluateCommand.run(plain, fakeIo())).rejects.toThrow(/pass --resize-pred/);
    const io = fakeIo();
    await evaluateCommand.run(args({ ...plain.values, 'resize-pred': true }), io);
    expect(io.out()).toMatch(/1 prediction\(s\) resized to the ground-truth size \(nearest neighbour\)/);
    expect(io.out()).toMatch(/mean IoU over images \(foreground\)\s+0\.5000/);
  });

  it('fails with a DatasetError listing unpaired files', async () => {
    const root = await makeTempDir('evaluate-cli-unpaired-');
    await writeRectMask(join(root, 'pred', 'x.png'), 4, 4);
    await writeRectMask(join(root, 'gt', 'y.png'), 4, 4);
    const attempt = evaluateCommand.run(args({ pred: join(root, 'pred'), gt: join(root, 'gt') }), fakeIo());
    await expect(attempt).rejects.toBeInstanceOf(DatasetError);
    await expect(attempt).rejects.toThrow(/x\.png[^]*y\.png/);
  });

  it.each([
    [{ gt: 'g' }, /expected a value for --pred/],
    [{ pred: 'p', gt: 'g', 'empty-gt': 'zero' }, /expected one of one-if-empty-prediction, skip for --empty-gt but received 'zero'/],
    [{ pred: 'p', gt: 'g', resamples: '-1' }, /expected an integer >= 0 for --resamples but received '-1'/],
    [{ pred: 'p', gt: 'g', seed: 'x' }, /for --seed but received 'x'/],
  ])('rejects bad flags %o', (values, message) => {
    expect(() => resolveEvaluateConfig(args(values))).toThrow(InvalidArgumentError);
    expect(() => resolveEvaluateConfig(args(values))).toThrow(message);
  });

  it('passes suffixes and defaults through to the library options', () => {
    const config = resolveEvaluateConfig(args({ pred: 'p', gt: 'g', 'pred-suffix': '_pred', 'gt-suffix': '_lesion' }));
    expect(config).toMatchObject({ outDir: null, json: false, options: { predSuffix: '_pred', gtSuffix: '_lesion', resizePred: false } });
    expect(config.options.bootstrapResamples).toBeUndefined();
  });
});
