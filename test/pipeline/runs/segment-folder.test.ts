/**
 * Hardening items 1, 2, 5 and 7 on a tiny ViT: ids that cannot escape the output folder, the lock, the
 * refusal to mix settings, a summary that agrees with the disk, whole image folders, an abort that finishes
 * what is in flight, and run.json's input checksums.
 */
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunFolderError, sha256File } from '../../../src/core/index.js';
import type { PipelineConfig } from '../../../src/pipeline/config/index.js';
import { LOCK_FILE } from '../../../src/pipeline/runtime/index.js';
import { imageIds, runSegmentFolder, safeId, STAGING_DIR } from '../../../src/pipeline/runs/index.js';
import { blobImage, explainConfig, writePng, writeTinyClassifierFiles } from '../../helpers/explain-fixture.js';

const CONFIG: PipelineConfig = explainConfig({ nSteps: 2, ntSamples: 0 }, { mask: { method: 'morphology' }, crf: { maxSide: 24 } });
const NO_CRF: PipelineConfig = { ...CONFIG, crf: { ...CONFIG.crf, enabled: false } };

let dir: string;
let files: { weightsPath: string; headPath: string };
const exists = (path: string): Promise<boolean> => stat(path).then(() => true, () => false);
const run = (images: string[], outDir: string, extra: Partial<Parameters<typeof runSegmentFolder>[1]> = {}): ReturnType<typeof runSegmentFolder> =>
  runSegmentFolder(images, { outDir, command: 'test', config: CONFIG, ...files, postprocessWorkers: 0, ...extra });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'segfolder-'));
  files = await writeTinyClassifierFiles(join(dir, 'model'));
  await mkdir(join(dir, 'a'));
  await mkdir(join(dir, 'b'));
  for (const [name, seed] of [['a/x.png', 1], ['b/x.png', 2], ['....png', 3], ['items.png', 4], ['c.png', 5]] as const) await writePng(join(dir, name), blobImage(20, 24, seed));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

describe('image ids (item 1)', () => {
  it.each([['..', '__'], ['.', '_'], ['', 'image'], ['items', 'items-image'], ['a/b', 'a_b'], ['.hidden', '_hidden'], ['ok-1.2_x', 'ok-1.2_x']])('safeId(%j) is %j', (stem, id) => {
    expect(safeId(stem)).toBe(id);
  });

  it('gives unique ids to equal stems from two folders and to stems equal but for case', () => {
    expect(imageIds(['a/x.png', 'b/x.png', 'c/X.jpg', 'd/x-2.png'])).toEqual(['x', 'x-2', 'X-3', 'x-2-2']);
  });

  it('writes nothing outside --out, and nothing into its record folder, for the names "...png" and "items.png"', async () => {
    const outDir = join(dir, 'out-ids', 'out');
    const summary = await run([join(dir, '....png'), join(dir, 'items.png'), join(dir, 'a/x.png'), join(dir, 'b/x.png')], outDir);
    expect(summary.done.map((d) => d.id)).toEqual(['___', 'items-image', 'x', 'x-2']);
    expect((await readdir(join(dir, 'out-ids'))).sort()).toEqual(['out']);
    expect((await readdir(join(outDir, 'items'))).sort()).toEqual(['___.json', 'items-image.json', 'x-2.json', 'x.json']);
  });
});

describe('an output folder is protected (item 2)', () => {
  it('refuses a second process while the lock is held, and takes over a lock whose process is gone', async () => {
    const outDir = join(dir, 'out-lock');
    await mkdir(outDir, { recursive: true });
    await writeFile(join(outDir, LOCK_FILE), JSON.stringify({ pid: process.pid, host: hostname(), startedAt: 'now' }));
    await expect(run([join(dir, 'c.png')], outDir)).rejects.toThrow(RunFolderError);
    await expect(run([join(dir, 'c.png')], outDir)).rejects.toThrow(`is being written by process ${process.pid}`);
    await writeFile(join(outDir, LOCK_FILE), JSON.stringify({ pid: 2 ** 22 + 12345, host: hostname(), startedAt: 'then' }));
    expect((await run([join(dir, 'c.png')], outDir)).done).toHaveLength(1);
    expect(await exists(join(outDir, LOCK_FILE))).toBe(false);
  });

  it('refuses to mix settings in one folder unless asked, and then keeps only the new results', async () => {
    const outDir = join(dir, 'out-mix');
    await run([join(dir, 'a/x.png'), join(dir, 'c.png')], outDir);
    await expect(run([join(dir, 'c.png')], outDir, { config: NO_CRF })).rejects.toThrow(/holds results made with other settings.*--force-new-config/);
    const replaced = await run([join(dir, 'c.png')], outDir, { config: NO_CRF, forceNewConfig: true });
    expect(replaced.done.map((d) => d.id)).toEqual(['c']);
    expect(await exists(join(outDir, 'x'))).toBe(false);
    const summary = JSON.parse(await readFile(join(outDir, 'summary.json'), 'utf8'));
    expect(summary.done.map((d: { id: string }) => d.id)).toEqual(['c']);
  });

  it("asks for a token head before loading anything when the explain source is 'token-head'", async () => {
    const config = { ...CONFIG, explain: { ...CONFIG.explain, source: 'token-head' as const } };
    await expect(run([join(dir, 'c.png')], join(dir, 'out-token'), { config })).rejects.toThrow(/a token head file \(--token-head\)/);
  });

  it('rebuilds summary.json from the records on disk, so a second run on other images still lists the first', async () => {
    const outDir = join(dir, 'out-summary');
    await run([join(dir, 'a/x.png')], outDir);
    const second = await run([join(dir, 'c.png')], outDir);
    expect(second.done.map((d) => d.id)).toEqual(['c', 'x']);
    const summary = JSON.parse(await readFile(join(outDir, 'summary.json'), 'utf8'));
    expect(summary.done.map((d: { id: string }) => d.id)).toEqual(['c', 'x']);
  });
});

describe('kills and interrupts (items 5 and 7)', () => {
  it('writes each image folder whole, and clears what a killed run left in staging', async () => {
    const outDir = join(dir, 'out-kill');
    await mkdir(join(outDir, STAGING_DIR, 'c'), { recursive: true });
    await writeFile(join(outDir, STAGING_DIR, 'c', 'mask.png'), 'half written');
    const summary = await run([join(dir, 'c.png'), join(dir, 'a/x.png')], outDir);
    expect(summary.done).toHaveLength(2);
    expect(await exists(join(outDir, STAGING_DIR, 'c'))).toBe(false);
    for (const id of ['c', 'x']) expect((await readdir(join(outDir, id))).sort()).toEqual(['heatmap.png', 'map.png', 'mask.png', 'overlay.png', 'result.json']);
  });

  it('on abort finishes the image in flight, writes the summary, and a second run resumes', async () => {
    const outDir = join(dir, 'out-abort');
    const controller = new AbortController();
    const images = [join(dir, 'c.png'), join(dir, 'a/x.png'), join(dir, 'b/x.png')];
    const first = await run(images, outDir, { signal: controller.signal, onImageDone: () => controller.abort() });
    expect(first.interrupted).toBe(true);
    expect(first.done.map((d) => d.id)).toEqual(['c']);
    expect(JSON.parse(await readFile(join(outDir, 'summary.json'), 'utf8')).interrupted).toBe(true);
    const second = await run(images, outDir);
    expect([second.interrupted, second.skipped, second.done.map((d) => d.id)]).toEqual([undefined, 1, ['c', 'x', 'x-2']]);
  });

  it('keeps what reading an image warned about in its record (a 4 x 5 image)', async () => {
    await writePng(join(dir, 'tiny.png'), blobImage(4, 5, 9));
    const summary = await run([join(dir, 'tiny.png')], join(dir, 'out-warn'));
    expect(summary.done[0]!.warnings?.join(' ')).toMatch(/4/);
    const record = JSON.parse(await readFile(join(dir, 'out-warn', 'tiny', 'result.json'), 'utf8'));
    expect(record.warnings).toEqual(summary.done[0]!.warnings);
  });

  it('records the SHA-256 of every segmented input in run.json', async () => {
    const outDir = join(dir, 'out-manifest');
    await run([join(dir, 'c.png')], outDir);
    const manifest = JSON.parse(await readFile(join(outDir, 'run.json'), 'utf8'));
    expect(manifest.inputs).toEqual({ c: `sha256:${await sha256File(join(dir, 'c.png'))}` });
  });
});
