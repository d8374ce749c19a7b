import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputFileError, InvalidArgumentError } from '../../src/core/index.js';
import { datasetOfSource, diceHistogram, findGroundTruth, resolveRunDir, ReviewIndex, runMetrics } from '../../src/viewer/index.js';
import { addSyntheticImage, finishSyntheticRun, makeSyntheticRun, type SyntheticRun } from '../helpers/synthetic-run.js';

describe('reading run folders', () => {
  let run: SyntheticRun;

  beforeAll(async () => {
    run = await makeSyntheticRun({ complete: false, images: [{ id: 'p1', shift: 0 }, { id: 'p2', shift: 9 }] });
  });
  afterAll(async () => {
    await rm(run.root, { recursive: true, force: true });
  });

  it('lists finished images while the run is written, then sees it complete; failed items are reported', async () => {
    const index = await ReviewIndex.open([run.runDir]);
    expect([index.ids(), index.runs()[0]!.complete]).toEqual([['p1', 'p2'], false]);
    const before = index.version;
    await mkdir(join(run.runDir, 'p3'), { recursive: true });
    await writeFile(join(run.runDir, 'p3', 'mask.png'), 'half written');
    await writeFile(join(run.runDir, 'items', 'p4.json'), JSON.stringify({ id: 'p4', key: 'k', status: 'failed', error: { code: 'E_INPUT_FILE', message: 'p4.png: truncated' } }));
    await index.refresh();
    expect(index.ids()).toEqual(['p1', 'p2']);
    expect(index.runs()[0]!.failed).toEqual([{ id: 'p4', message: 'p4.png: truncated' }]);
    await addSyntheticImage(run, { id: 'p3', shift: 3 }, 2);
    await finishSyntheticRun(run.runDir, { images: [] });
    await index.refresh();
    expect([index.ids(), index.runs()[0]!.complete, index.version === before]).toEqual([['p1', 'p2', 'p3'], true, false]);
  });

  it('finds a demo\'s runs from OUT and from OUT/report, and refuses other folders', async () => {
    const demo = join(run.root, 'demo');
    await mkdir(join(demo, 'report'), { recursive: true });
    await rename(run.runDir, join(demo, 'images'));
    try {
      expect(await resolveRunDir(demo)).toBe(join(demo, 'images'));
      expect(await resolveRunDir(join(demo, 'report'))).toBe(join(demo, 'images'));
      expect((await ReviewIndex.open([demo])).runs()[0]!.name).toBe('demo');
    } finally {
      await rename(join(demo, 'images'), run.runDir);
    }
    await expect(resolveRunDir(run.gtDir)).rejects.toThrow(InputFileError);
    await expect(resolveRunDir(join(run.root, 'missing'))).rejects.toThrow(/missing \(no such folder\)/);
    await expect(ReviewIndex.open([])).rejects.toThrow(InvalidArgumentError);
  });

  it('scores against --gt masks by stem (with the usual suffixes) or a demo\'s truth.png', async () => {
    const withGt = await ReviewIndex.open([run.runDir], { gtDir: run.gtDir });
    const rows = (await withGt.images()).filter((row) => run.dice.has(row.id));
    expect(rows.map((row) => row.runs[0]!.dice)).toEqual(rows.map((row) => run.dice.get(row.id)));
    expect(rows).toHaveLength(2);
    const withoutGt = await ReviewIndex.open([run.runDir]);
    expect((await withoutGt.images())[0]!.runs[0]!.dice).toBeNull();
    await rename(join(run.gtDir, 'p1.png'), join(run.runDir, 'p1', 'truth.png'));
    try {
      expect((await withoutGt.imageRow('p1')).runs[0]!.dice).toBe(1);
    } finally {
      await rename(join(run.runDir, 'p1', 'truth.png'), join(run.gtDir, 'p1.png'));
    }
    const index = new Map([['ISIC_1_segmentation', '/gt/ISIC_1_segmentation.png'], ['a', '/gt/a.png']]);
    expect([findGroundTruth(index, 'ISIC_1'), findGroundTruth(index, 'a'), findGroundTruth(index, 'b')]).toEqual(['/gt/ISIC_1_segmentation.png', '/gt/a.png', undefined]);
  });

  it('names datasets by the folder above images/', () => {
    expect([datasetOfSource('/d/kvasir-seg/images/x.jpg'), datasetOfSource('/d/busi/benign/x.png'), datasetOfSource('x.png')]).toEqual(['kvasir-seg', 'benign', '.']);
  });
});

describe('summary numbers', () => {
  it('bins Dice over [0, 1] with 1 in the last bin and non-finite values left out', () => {
    expect(diceHistogram([0, 0.05, 0.5, 0.99, 1, Number.NaN], 4).counts).toEqual([2, 0, 1, 2]);
    expect(diceHistogram([], 2)).toEqual({ edges: [0, 0.5, 1], counts: [0, 0] });
    expect(() => diceHistogram([], 0)).toThrow(/expected an integer in \[1, 1000\] for the histogram bins but received 0/);
  });

  it('means over scored images only; corrections replace their image in the corrected mean', () => {
    const perfect = { tp: 10, fp: 0, fn: 0, tn: 90 };
    const half = { tp: 5, fp: 5, fn: 5, tn: 85 };
    const metrics = runMetrics({ index: 0, name: 'r' }, [
      { id: 'a', counts: perfect }, { id: 'b', counts: half, correctedCounts: perfect }, { id: 'c' },
    ], { resamples: 50 });
    expect([metrics.images, metrics.scored, metrics.corrected]).toEqual([3, 2, 1]);
    expect(metrics.meanDice).toBeCloseTo(0.75, 12);
    expect(metrics.meanDiceCorrected).toBe(1);
    expect(metrics.diceCi![0]).toBeGreaterThanOrEqual(0.5);
    expect(metrics.histogram.counts[5]! + metrics.histogram.counts[9]!).toBe(2);
  });
});
