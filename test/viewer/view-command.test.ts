import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputFileError, InvalidArgumentError } from '../../src/core/index.js';
import { parsePort, runView, viewCommand } from '../../src/cli/commands/view.js';
import type { CliIo } from '../../src/cli/command.js';
import { makeSyntheticRun } from '../helpers/synthetic-run.js';

function getStatus(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    request(url, { agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    }).on('error', reject).end();
  });
}

function captureStream(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (chunk: Buffer) => { text += chunk.toString(); });
  return { stream, text: () => text };
}

describe('explainseg view', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'explainseg-view-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('prints the 127.0.0.1 URL, serves index.html, and closes when told to stop', async () => {
    await writeFile(join(dir, 'index.html'), '<!doctype html>');
    const out = captureStream();
    let stop!: () => void;
    let listening!: () => void;
    const started = new Promise<void>((resolve) => { listening = resolve; });
    const done = runView([dir], { stdout: out.stream, until: () => { listening(); return new Promise((resolve) => { stop = resolve; }); } });
    await started;
    const url = /at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out.text())?.[1];
    expect(url).toBeDefined();
    expect(await getStatus(url!)).toBe(200);
    stop();
    await done;
    await expect(getStatus(url!)).rejects.toThrow(/ECONNREFUSED/);
  });

  it('refuses a folder that is neither a run nor a report, a missing folder argument and a bad port', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'explainseg-view-'));
    const io: CliIo = { stdout: new PassThrough(), stderr: new PassThrough(), env: {}, interactive: false };
    try {
      await expect(viewCommand.run({ values: {}, positionals: [empty] }, io)).rejects.toThrow(InputFileError);
      await expect(viewCommand.run({ values: {}, positionals: [] }, io)).rejects.toThrow(/expected at least one run folder for explainseg view/);
      expect(() => parsePort('80a')).toThrow(/expected an integer in \[0, 65535\] for --port but received '80a'/);
      expect(() => parsePort('65536')).toThrow(InvalidArgumentError);
      expect([parsePort(undefined), parsePort('8080')]).toEqual([0, 8080]);
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });
});

describe('explainseg view on run folders', () => {
  it('serves the review app for two runs side by side and stops when told to', async () => {
    const first = await makeSyntheticRun({ images: [{ id: 'x', shift: 0 }] });
    const second = await makeSyntheticRun({ root: first.root, name: 'other', images: [{ id: 'x', shift: 5 }] });
    try {
      const out = captureStream();
      let stop!: () => void;
      let listening!: () => void;
      const started = new Promise<void>((resolve) => { listening = resolve; });
      const done = runView([first.runDir, second.runDir], { gtDir: first.gtDir, stdout: out.stream, until: () => { listening(); return new Promise((resolve) => { stop = resolve; }); } });
      await started;
      const url = /at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out.text())?.[1];
      expect(out.text()).toContain(`Serving ${first.runDir}, ${second.runDir} at`);
      expect(await getStatus(`${url}api/summary`)).toBe(200);
      stop();
      await done;
    } finally {
      await rm(first.root, { recursive: true, force: true });
    }
  });
});
