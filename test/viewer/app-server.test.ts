import { readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { correctionStages } from '../../src/cli/correction-stages.js';
import { readMask } from '../../src/data/index.js';
import { isAllowedHost, isAllowedOrigin, MAX_BODY_BYTES, serveViewer, type ImageRow, type ViewerServer } from '../../src/viewer/index.js';
import { makeSyntheticRun, type SyntheticRun } from '../helpers/synthetic-run.js';
import { fetchRaw, postJson } from './http-client.js';

describe('the viewer server', () => {
  let run: SyntheticRun;
  let server: ViewerServer;

  beforeAll(async () => {
    run = await makeSyntheticRun({ images: [{ id: 'a', shift: 0 }, { id: 'b', shift: 6 }, { id: 'c', shift: 12, predictedClass: 'normal' }] });
    await writeFile(join(run.root, 'secret.txt'), 'top secret');
    await symlink(join(run.root, 'secret.txt'), join(run.runDir, 'link.txt'));
    server = await serveViewer([run.runDir], { gtDir: run.gtDir, correction: correctionStages() });
  });

  afterAll(async () => {
    await server?.close();
    await rm(run.root, { recursive: true, force: true });
  });

  it('binds 127.0.0.1 and serves the page and its assets', async () => {
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/`);
    const page = await fetchRaw(server.port, '/');
    expect([page.status, page.headers['content-type']]).toEqual([200, 'text/html; charset=utf-8']);
    expect(page.body.toString()).toContain('<script type="module" src="/static/js/main.js">');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect((await fetchRaw(server.port, '/static/js/main.js')).headers['content-type']).toBe('text/javascript; charset=utf-8');
  });

  it('lists runs and images with IoU/Dice from the ground truth (src/metrics)', async () => {
    const runs = (await fetchRaw(server.port, '/api/runs')).json<{ runs: { name: string; images: number; complete: boolean }[]; correction: boolean }>();
    expect(runs.runs.map((r) => [r.name, r.images, r.complete])).toEqual([['student', 3, true]]);
    expect(runs.correction).toBe(true);
    const { images } = (await fetchRaw(server.port, '/api/images')).json<{ images: ImageRow[] }>();
    expect(images.map((image) => image.id)).toEqual(['a', 'b', 'c']);
    for (const image of images) expect(image.runs[0]!.dice).toBeCloseTo(run.dice.get(image.id)!, 10);
    expect(images[0]!.runs[0]!.layers).toEqual(['image', 'gt', 'mask', 'heatmap']);
    expect([images[0]!.dataset, images[2]!.runs[0]!.predictedClass]).toEqual(['toy-set', 'normal']);
    expect(images[0]!.trueFraction).toBeCloseTo(images[0]!.runs[0]!.foregroundFraction!, 10);
  });

  it('summarises each run: mean Dice and a histogram of per-image Dice', async () => {
    const { runs } = (await fetchRaw(server.port, '/api/summary')).json<{ runs: { meanDice: number; scored: number; histogram: { counts: number[] } }[] }>();
    const expected = [...run.dice.values()];
    expect(runs[0]!.scored).toBe(3);
    expect(runs[0]!.meanDice).toBeCloseTo(expected.reduce((a, b) => a + b, 0) / 3, 10);
    expect(runs[0]!.histogram.counts.reduce((a, b) => a + b, 0)).toBe(3);
    expect(runs[0]!.histogram.counts[9]).toBe(1);
  });

  it('serves layers by (run, id, layer) and refuses unknown ones with 404', async () => {
    const mask = await fetchRaw(server.port, '/api/layer/0/a/mask');
    expect([mask.status, mask.headers['content-type']]).toEqual([200, 'image/png']);
    expect(mask.body.equals(await readFile(join(run.runDir, 'a', 'mask.png')))).toBe(true);
    for (const path of ['/api/layer/0/a/secret', '/api/layer/1/a/mask', '/api/layer/0/zz/mask', '/api/layer/0/..%2F..%2Fsecret.txt/mask', '/api/layer/0/a/mask/x']) {
      expect((await fetchRaw(server.port, path)).status).toBe(404);
    }
  });

  it.each([
    '/files/0/../../secret.txt', '/files/0/%2e%2e/%2e%2e/secret.txt', '/files/0/a/..%2f..%2f..%2fsecret.txt', '/files/0/link.txt',
    '/files/0/..\\..\\secret.txt', '/static/../../../../etc/passwd', '/static/%2e%2e%2f%2e%2e%2fpackage.json',
  ])('refuses %s with 403 or 404 and never leaks what is outside', async (path) => {
    const reply = await fetchRaw(server.port, path);
    expect([403, 404]).toContain(reply.status);
    expect(reply.body.toString()).not.toContain('top secret');
  });

  it('refuses absolute paths and serves files inside the run folder', async () => {
    for (const path of ['/files/0//etc/passwd', '/files/0/%2Fetc%2Fpasswd', '//etc/passwd', `/files/0/${encodeURIComponent(join(run.root, 'secret.txt'))}`]) {
      const reply = await fetchRaw(server.port, path);
      expect([403, 404]).toContain(reply.status);
      expect(reply.body.toString()).not.toMatch(/top secret|root:/);
    }
    const record = await fetchRaw(server.port, '/files/0/a/result.json');
    expect([record.status, record.json<{ id: string }>().id]).toEqual([200, 'a']);
  });

  it('answers only Host 127.0.0.1 or localhost with this port (421 otherwise: DNS rebinding)', async () => {
    expect((await fetchRaw(server.port, '/api/runs', { headers: { Host: `localhost:${server.port}` } })).status).toBe(200);
    for (const host of ['evil.example', `evil.example:${server.port}`, '127.0.0.1:1', `127.0.0.1.evil.example:${server.port}`, '']) {
      expect((await fetchRaw(server.port, '/api/runs', { headers: { Host: host } })).status).toBe(421);
    }
    expect([isAllowedHost('LOCALHOST', 80), isAllowedHost(undefined, 80), isAllowedOrigin('http://evil.example', 80), isAllowedOrigin(undefined, 80)]).toEqual([true, false, false, true]);
  });

  it('refuses cross-origin, non-JSON, oversized and malformed POSTs', async () => {
    const body = { run: 0, id: 'a', clicks: [] };
    expect((await postJson(server.port, '/api/correct', body, { Origin: 'http://evil.example' })).status).toBe(403);
    expect((await fetchRaw(server.port, '/api/correct', { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: '{}' })).status).toBe(415);
    expect((await postJson(server.port, '/api/correct', { ...body, pad: 'x'.repeat(MAX_BODY_BYTES) })).status).toBe(413);
    expect((await fetchRaw(server.port, '/api/correct', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"run":' })).status).toBe(400);
    const bad = await postJson(server.port, '/api/correct', { run: 0, id: 'a', clicks: [{ row: 999, col: 1, label: 1 }] });
    expect([bad.status, bad.body.toString()]).toEqual([400, 'expected an integer in [0, 63] for the row of click 1 but received 999']);
    expect((await postJson(server.port, '/api/correct', { run: 0, id: 'nope', clicks: [] })).status).toBe(404);
    expect((await fetchRaw(server.port, '/api/runs', { method: 'DELETE' })).status).toBe(405);
  });

  it('previews a correction without writing, and writes an accepted one beside the run mask', async () => {
    const before = await readFile(join(run.runDir, 'c', 'mask.png'));
    const clicks = [{ row: 32, col: 30, label: 1 }, { row: 32, col: 52, label: 0 }];
    const preview = await postJson(server.port, '/api/correct', { run: 0, id: 'c', clicks });
    const answer = preview.json<{ mask: string; dice: number }>();
    expect(preview.status).toBe(200);
    expect(answer.mask).toMatch(/^data:image\/png;base64,/);
    expect(answer.dice).toBeGreaterThan(run.dice.get('c')!);
    await expect(stat(join(run.runDir, 'corrected'))).rejects.toThrow(/ENOENT/);
    const accepted = await postJson(server.port, '/api/accept', { run: 0, id: 'c', clicks });
    expect(accepted.json<{ files: { mask: string } }>().files.mask).toBe('corrected/c.png');
    const corrected = await readMask(join(run.runDir, 'corrected', 'c.png'));
    expect(corrected.data[32 * 64 + 30]).toBe(1);
    const log = JSON.parse(await readFile(join(run.runDir, 'corrected', 'c.json'), 'utf8')) as { clicks: unknown[]; id: string };
    expect([log.id, log.clicks]).toEqual(['c', clicks]);
    expect((await readFile(join(run.runDir, 'c', 'mask.png'))).equals(before)).toBe(true);
    const { images } = (await fetchRaw(server.port, '/api/images')).json<{ images: ImageRow[] }>();
    expect(images[2]!.runs[0]!.layers).toContain('corrected');
    expect(images[2]!.runs[0]!.corrected!.dice).toBeCloseTo(answer.dice, 10);
  });
});
