import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputFileError, InvalidArgumentError } from '../../src/core/index.js';
import { contentTypeFor, serveReport, type ReportServer } from '../../src/viewer/index.js';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** A raw request: the path goes on the wire exactly as written (no URL normalisation of '..'). */
function fetchRaw(port: number, path: string, method = 'GET'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

const PNG_BYTES = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]);

describe('serveReport (127.0.0.1, ephemeral port)', () => {
  let parent: string;
  let server: ReportServer;

  beforeAll(async () => {
    parent = await mkdtemp(join(tmpdir(), 'explainseg-serve-'));
    const dir = join(parent, 'report');
    await mkdir(join(dir, 'img'), { recursive: true });
    await writeFile(join(dir, 'index.html'), '<!doctype html><title>report</title>');
    await writeFile(join(dir, 'img', 'a b#1.png'), PNG_BYTES);
    await writeFile(join(dir, '.index.html.123.tmp'), 'partial');
    await writeFile(join(parent, 'secret.txt'), 'top secret');
    await symlink(join(parent, 'secret.txt'), join(dir, 'link.txt'));
    server = await serveReport(dir);
  });

  afterAll(async () => {
    await server?.close();
    await rm(parent, { recursive: true, force: true });
  });

  it('listens on 127.0.0.1 at a system-chosen port', () => {
    expect(server.port).toBeGreaterThan(0);
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/`);
  });

  it('serves index.html at / as HTML', async () => {
    const reply = await fetchRaw(server.port, '/');
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(reply.body.toString()).toBe('<!doctype html><title>report</title>');
  });

  it('serves a PNG (percent-encoded name) as image/png, byte for byte; HEAD sends only headers', async () => {
    const reply = await fetchRaw(server.port, '/img/a%20b%231.png?v=1');
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toBe('image/png');
    expect(reply.headers['x-content-type-options']).toBe('nosniff');
    expect(reply.body.equals(PNG_BYTES)).toBe(true);
    const head = await fetchRaw(server.port, '/img/a%20b%231.png', 'HEAD');
    expect([head.status, head.headers['content-length'], head.body.length]).toEqual([200, String(PNG_BYTES.length), 0]);
  });

  it.each(['/../secret.txt', '/img/../../secret.txt', '/%2e%2e/secret.txt', '/img/..%2f..%2fsecret.txt', '/..\\secret.txt', '/link.txt'])(
    'refuses %s with 403 and never leaks the file outside', async (path) => {
      const reply = await fetchRaw(server.port, path);
      expect(reply.status).toBe(403);
      expect(reply.body.toString()).not.toContain('top secret');
    });

  it('answers 404 for missing and hidden files, 400 for a broken escape, 405 for POST', async () => {
    expect((await fetchRaw(server.port, '/missing.png')).status).toBe(404);
    expect((await fetchRaw(server.port, '/.index.html.123.tmp')).status).toBe(404);
    expect((await fetchRaw(server.port, '/img/%E0%A4%A.png')).status).toBe(400);
    const post = await fetchRaw(server.port, '/', 'POST');
    expect([post.status, post.headers.allow]).toEqual([405, 'GET, HEAD']);
  });
});

describe('serveReport lifecycle and arguments', () => {
  it('closes: the port stops answering', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'explainseg-serve-'));
    try {
      await writeFile(join(dir, 'index.html'), 'hi');
      const server = await serveReport(dir, { port: 0, host: '127.0.0.1' });
      expect((await fetchRaw(server.port, '/')).status).toBe(200);
      await server.close();
      await expect(fetchRaw(server.port, '/')).rejects.toThrow(/ECONNREFUSED/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses a missing folder, a bad port and a port in use', async () => {
    await expect(serveReport(join(tmpdir(), 'explainseg-no-such-folder-xyz'))).rejects.toThrow(InputFileError);
    await expect(serveReport(tmpdir(), { port: 70000 })).rejects.toThrow(/expected an integer in \[0, 65535\] for the port but received 70000/);
    const first = await serveReport(tmpdir());
    try {
      await expect(serveReport(tmpdir(), { port: first.port })).rejects.toThrow(InvalidArgumentError);
    } finally {
      await first.close();
    }
  });

  it('maps extensions to content types, case-insensitively', () => {
    expect(['a.PNG', 'b.jpeg', 'c.json', 'd.html', 'e.bin'].map(contentTypeFor)).toEqual([
      'image/png', 'image/jpeg', 'application/json; charset=utf-8', 'text/html; charset=utf-8', 'application/octet-stream',
    ]);
  });
});
