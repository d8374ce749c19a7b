import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir, writeFile, mkdir } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChecksumError, DownloadError, InputFileError, WeightsError } from '../../src/core/errors.js';
import type { ProgressEvent } from '../../src/core/progress.js';
import { fetchWeights, resolveWeightsPath, weightsCachePath } from '../../src/backbone/weights/index.js';

const payload = readFileSync(join(import.meta.dirname, '..', 'fixtures', 'weights', 'tiny-vit.pth'));
const payloadHash = createHash('sha256').update(payload).digest('hex');

/** Behaviours the test server can be asked for through the URL path. */
interface Log { path: string; range?: string }
let server: Server;
let base: string;
const log: Log[] = [];
let cutNext = 0;

function handle(request: IncomingMessage, response: ServerResponse): void {
  const path = request.url ?? '/';
  log.push({ path, range: request.headers.range });
  if (path === '/redirect') return void response.writeHead(302, { Location: '/full' }).end();
  if (path === '/missing') return void response.writeHead(404).end('no');
  const range = /bytes=(\d+)-/.exec(request.headers.range ?? '');
  const honourRange = path !== '/norange' && range !== null;
  const start = honourRange ? Number(range![1]) : 0;
  const body = payload.subarray(start);
  const headers: Record<string, string | number> = { 'Content-Length': body.length };
  if (honourRange) headers['Content-Range'] = `bytes ${start}-${payload.length - 1}/${payload.length}`;
  response.writeHead(honourRange ? 206 : 200, headers);
  if (cutNext > 0) {
    cutNext -= 1;
    response.write(body.subarray(0, 3000), () => setTimeout(() => response.socket?.destroy(), 20));
    return;
  }
  response.end(body);
}

beforeAll(async () => {
  server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

async function freshCache(): Promise<string> {
  log.length = 0;
  cutNext = 0;
  return mkdtemp(join(tmpdir(), 'explainseg-cache-'));
}

describe('fetchWeights against a local HTTP server', () => {
  it('downloads through a redirect, records the hash (no published one) and verifies against it next time', async () => {
    const cacheDir = await freshCache();
    const events: ProgressEvent[] = [];
    const first = await fetchWeights('dino-vits16', { cacheDir, url: `${base}/redirect`, onProgress: (e) => events.push(e) });
    const path = weightsCachePath('dino-vits16', cacheDir);
    expect(first).toMatchObject({ path, sha256: payloadHash, verified: false, expectedFrom: undefined, downloaded: true });
    expect(readFileSync(path).equals(payload)).toBe(true);
    expect(readFileSync(`${path}.sha256`, 'utf8')).toBe(`${payloadHash}  dino_deitsmall16_pretrain.pth\n`);
    expect(log.map((entry) => entry.path)).toEqual(['/redirect', '/full']);
    expect(events.at(-1)).toEqual({ stage: 'download', done: payload.length, total: payload.length });
    expect(events.every((e, i) => i === 0 || e.done >= events[i - 1]!.done)).toBe(true);
    const second = await fetchWeights('dino-vits16', { cacheDir, url: `${base}/full` });
    expect(second).toMatchObject({ verified: true, expectedFrom: 'stored', downloaded: false });
    expect(log).toHaveLength(2);
  });

  it('resumes after a cut connection with a Range request', async () => {
    const cacheDir = await freshCache();
    cutNext = 1;
    const result = await fetchWeights('dino-vits16', { cacheDir, url: `${base}/full`, sha256: payloadHash });
    expect(result).toMatchObject({ verified: true, expectedFrom: 'option', resumedFrom: 3000 });
    expect(log).toEqual([{ path: '/full', range: undefined }, { path: '/full', range: 'bytes=3000-' }]);
    expect(readFileSync(result.path).equals(payload)).toBe(true);
  });

  it('keeps the .part file when retries run out, and a later run resumes it', async () => {
    const cacheDir = await freshCache();
    cutNext = 1;
    await expect(fetchWeights('dino-vits16', { cacheDir, url: `${base}/full`, retries: 0 })).rejects.toBeInstanceOf(DownloadError);
    const path = weightsCachePath('dino-vits16', cacheDir);
    expect(existsSync(path)).toBe(false);
    expect(readFileSync(`${path}.part`).length).toBe(3000);
    await fetchWeights('dino-vits16', { cacheDir, url: `${base}/full`, retries: 0 });
    expect(log.at(-1)!.range).toBe('bytes=3000-');
    expect(readFileSync(path).equals(payload)).toBe(true);
  });

  it('restarts from zero when the server ignores Range', async () => {
    const cacheDir = await freshCache();
    cutNext = 1;
    const result = await fetchWeights('dino-vits16', { cacheDir, url: `${base}/norange` });
    expect(log.map((entry) => entry.range)).toEqual([undefined, 'bytes=3000-']);
    expect(result.sha256).toBe(payloadHash);
    expect(readFileSync(result.path).equals(payload)).toBe(true);
  });

  it('leaves nothing at the final path (nor a .part) on a checksum mismatch', async () => {
    const cacheDir = await freshCache();
    const wrong = '0'.repeat(64);
    await expect(fetchWeights('dino-vits16', { cacheDir, url: `${base}/full`, sha256: wrong })).rejects.toBeInstanceOf(ChecksumError);
    expect(await readdir(join(cacheDir, 'weights'))).toEqual([]);
  });

  it('reports a 404 without retrying', async () => {
    const cacheDir = await freshCache();
    await expect(fetchWeights('dino-vits16', { cacheDir, url: `${base}/missing` })).rejects.toThrow(/missing: HTTP 404 \(not found\)/);
    expect(log).toHaveLength(1);
  });

  it('rejects an unknown name and a malformed hash', async () => {
    await expect(fetchWeights('resnet', {})).rejects.toThrow("expected one of dino-vits16, dinov2-vits14, dinov2-vits14-reg4 for weights name but received 'resnet'");
    await expect(fetchWeights('dino-vits16', { sha256: 'abc' })).rejects.toThrow(/expected a 64-digit hex SHA-256 for sha256/);
  });
});

describe('resolveWeightsPath', () => {
  it('prefers --weights, then EXPLAINSEG_WEIGHTS, then the cache', async () => {
    const cache = await mkdtemp(join(tmpdir(), 'explainseg-cache-'));
    const file = join(cache, 'mine.pth');
    await writeFile(file, 'x');
    await mkdir(join(cache, 'weights'));
    await writeFile(weightsCachePath('dino-vits16', cache), 'y');
    expect(await resolveWeightsPath({ flag: file, env: '/nope', cache })).toEqual({ path: file, source: 'flag' });
    expect(await resolveWeightsPath({ env: file, cache })).toEqual({ path: file, source: 'env' });
    expect(await resolveWeightsPath({ cache })).toEqual({ path: weightsCachePath('dino-vits16', cache), source: 'cache' });
  });

  it('says how to get weights when there are none, and names a missing flag file', async () => {
    const cache = await mkdtemp(join(tmpdir(), 'explainseg-cache-'));
    await expect(resolveWeightsPath({ cache })).rejects.toBeInstanceOf(WeightsError);
    await expect(resolveWeightsPath({ cache })).rejects.toThrow(/explainseg weights fetch dino-vits16/);
    await expect(resolveWeightsPath({ flag: join(cache, 'gone.pth'), cache })).rejects.toBeInstanceOf(InputFileError);
  });
});
