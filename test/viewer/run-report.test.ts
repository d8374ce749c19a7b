import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reportCommand } from '../../src/cli/commands/report.js';
import { runCli } from '../../src/cli/run-cli.js';
import { buildRunReport, pickFigureImages, ReviewIndex, type ImageRow } from '../../src/viewer/index.js';
import { makeSyntheticRun, type SyntheticRun } from '../helpers/synthetic-run.js';

const row = (id: string, dice: number | null): ImageRow => ({
  id, dataset: '', trueFraction: null,
  runs: [{ run: 0, predictedClass: '', probability: null, foregroundFraction: null, iou: dice, dice, corrected: null, layers: [] }],
});

describe('pickFigureImages', () => {
  it('picks the best, median and worst by Dice (distinct), unscored images left out', () => {
    const rows = [row('a', 0.2), row('b', 0.9), row('c', null), row('d', 0.5), row('e', 0.7)];
    expect(pickFigureImages(rows)).toEqual(['b', 'e', 'a']);
    expect(pickFigureImages([row('a', 0.3)])).toEqual(['a']);
    expect(pickFigureImages([row('x', null), row('y', null)])).toEqual(['x', 'y']);
  });
});

describe('explainseg report', () => {
  let run: SyntheticRun;
  let baseline: SyntheticRun;

  beforeAll(async () => {
    run = await makeSyntheticRun({ images: [{ id: 'i1', shift: 0 }, { id: 'i2', shift: 6 }, { id: 'i3', shift: 12 }, { id: 'i4', shift: 3 }] });
    baseline = await makeSyntheticRun({ root: run.root, name: 'tokencut', images: [{ id: 'i1', shift: 9 }, { id: 'i3', shift: 2 }] });
  });
  afterAll(async () => {
    await rm(run.root, { recursive: true, force: true });
  });

  it('is one self-contained file: metrics, histograms, the Figure-2 grid with embedded pictures', async () => {
    const html = await buildRunReport(await ReviewIndex.open([run.runDir, baseline.runDir], { gtDir: run.gtDir }));
    expect(html).not.toMatch(/<script|<link\b|src="(?!data:)|href="|url\(/);
    expect(html.match(/<table id="metrics">[\s\S]*?<\/table>/)![0].match(/<tr>/g)).toHaveLength(3);
    expect(html.match(/<svg class="histogram"/g)).toHaveLength(2);
    const figure = html.match(/<table id="figure"[\s\S]*?<\/table>/)![0];
    expect([...figure.matchAll(/<tr data-id="([^"]+)">/g)].map((m) => m[1])).toEqual(['i1', 'i4', 'i3']);
    expect(figure).toContain('not in this run');
    const uri = /src="data:image\/png;base64,([^"]+)"/.exec(figure)![1]!;
    const meta = await sharp(Buffer.from(uri, 'base64')).metadata();
    expect([meta.format, meta.width]).toEqual(['png', 64]);
    expect(html).toContain('<title>ExplainSeg report: student vs tokencut</title>');
  });

  it('writes the chosen images with --images and names an unknown id', async () => {
    const out = join(run.root, 'report.html');
    const io = { stdout: new PassThrough(), stderr: new PassThrough(), env: {}, interactive: false };
    let text = '';
    io.stdout.on('data', (chunk: Buffer) => { text += chunk.toString(); });
    const status = await reportCommand.run({ values: { out, gt: run.gtDir, images: 'i2, i3', title: 'A <b>', thumbnail: '32' }, positionals: [run.runDir] }, io);
    expect([status, text]).toEqual([0, `wrote ${out} (4 image(s), 1 run(s))\n`]);
    const html = await readFile(out, 'utf8');
    expect([...html.matchAll(/<tr data-id="([^"]+)">/g)].map((m) => m[1])).toEqual(['i2', 'i3']);
    expect(html).toContain('<title>A &lt;b&gt;</title>');
    const stderr = new PassThrough();
    let message = '';
    stderr.on('data', (chunk: Buffer) => { message += chunk.toString(); });
    const code = await runCli(['report', run.runDir, '--out', out, '--images', 'i9'], { ...io, stderr });
    expect(code).toBe(2);
    expect(message).toContain("expected image ids of the runs (i1, i2, i3, i4) for the figure images but received 'i9'");
    expect(await runCli(['report', run.runDir], { ...io, stderr })).toBe(2);
  });
});
