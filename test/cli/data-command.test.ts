import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatasetError, InvalidArgumentError } from '../../src/core/index.js';
import type { ParsedArgs } from '../../src/cli/command.js';
import { dataCommand } from '../../src/cli/commands/data.js';
import { findCommand, runCli } from '../../src/cli/run-cli.js';
import { kvasirSegZip } from '../data/fetch-fixtures.js';
import { makeTempDir } from '../data/synthetic.js';
import { fakeIo } from '../helpers/fake-io.js';
import { startFileServer, type FileServer } from '../helpers/file-server.js';

const args = (positionals: string[], values: ParsedArgs['values'] = {}): ParsedArgs => ({ positionals, values });

let server: FileServer;
let url: string;
let archiveHash: string;
beforeAll(async () => {
  server = await startFileServer();
  const archive = await kvasirSegZip();
  archiveHash = createHash('sha256').update(archive).digest('hex');
  server.serve('/kvasir-seg.zip', archive);
  url = `${server.base}/kvasir-seg.zip`;
});
afterAll(() => server.close());

describe('explainseg data', () => {
  it('is registered', () => {
    expect(findCommand('data')).toBe(dataCommand);
  });

  it('fetches into EXPLAINSEG_CACHE with a progress bar and says the first download was not verified', async () => {
    const cache = await makeTempDir('data-cli-');
    const io = fakeIo({ EXPLAINSEG_CACHE: cache });
    expect(await dataCommand.run(args(['fetch', 'kvasir-seg'], { url }), io)).toBe(0);
    expect(io.out()).toBe(`unpacked 5 file(s) into ${join(cache, 'data', 'kvasir-seg')}\narchive sha256 ${archiveHash} (NOT verified: no published hash for this archive; recorded it so later downloads verify against it)\n`);
    expect(io.err()).toMatch(/^download \[#{24}\] \d+\/\d+/m);
    expect(io.err()).toMatch(/^unpack \[#{24}\] 5\/5/m);
    const again = fakeIo({ EXPLAINSEG_CACHE: cache });
    await dataCommand.run(args(['fetch', 'kvasir-seg'], { url }), again);
    expect(again.out()).toBe(`already present: ${join(cache, 'data', 'kvasir-seg')} (unpacked from an archive with sha256 ${archiveHash})\n`);
  });

  it('verifies against --sha256, and --cache wins over the environment', async () => {
    const cache = await makeTempDir('data-cli-');
    const io = fakeIo({ EXPLAINSEG_CACHE: '/nonexistent/never' });
    await dataCommand.run(args(['fetch', 'kvasir-seg'], { url, cache, sha256: archiveHash }), io);
    expect(io.out()).toContain('(verified against the --sha256 value)');
    expect(existsSync(join(cache, 'data', 'kvasir-seg', 'images'))).toBe(true);
  });

  it('lists every dataset with its download and terms', async () => {
    const io = fakeIo();
    expect(await dataCommand.run(args(['list']), io)).toBe(0);
    const text = io.out();
    expect(text).toContain('direct download (46 MB): https://datasets.simula.no/downloads/kvasir-seg.zip');
    expect(text).toContain('https://zenodo.org/records/8231412/files/BUSBRA.zip?download=1');
    expect(text).toContain('no direct download: see https://monuseg.grand-challenge.org/Data/');
    expect(text).toContain('terms: CC BY-NC-SA 4.0 (challenge data)');
    expect(text.match(/^\S+\t/gm)).toEqual(['kvasir-seg\t', 'bus-bra\t', 'ph2\t', 'monuseg\t']);
  });

  it('rejects other verbs, and maps a dataset without a direct download to exit status 3 with its message', async () => {
    await expect(dataCommand.run(args(['pull', 'kvasir-seg']), fakeIo())).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(dataCommand.run(args(['fetch']), fakeIo())).rejects.toBeInstanceOf(InvalidArgumentError);
    const cache = await makeTempDir('data-cli-');
    await expect(dataCommand.run(args(['fetch', 'ph2']), fakeIo({ EXPLAINSEG_CACHE: cache }))).rejects.toBeInstanceOf(DatasetError);
    const io = fakeIo({ EXPLAINSEG_CACHE: cache });
    expect(await runCli(['data', 'fetch', 'ph2'], io)).toBe(3);
    expect(io.err()).toContain(`explainseg data: ph2 has no direct download`);
    expect(io.err()).toContain(`put it in ${join(cache, 'data', 'ph2')}`);
  });
});
