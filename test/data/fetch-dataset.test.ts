import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChecksumError, DatasetError, InputFileError, InvalidArgumentError, type ProgressEvent } from '../../src/core/index.js';
import { datasetCachePath, fetchDataset, loadBusBra, loadKvasirSeg } from '../../src/data/index.js';
import { startFileServer, type FileServer } from '../helpers/file-server.js';
import { archiveWith, busBraZip, kvasirSegZip } from './fetch-fixtures.js';
import { makeTempDir } from './synthetic.js';

let server: FileServer;
let kvasir: Buffer;
const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

beforeAll(async () => {
  server = await startFileServer();
  kvasir = await kvasirSegZip();
  server.serve('/kvasir-seg.zip', kvasir);
  server.serve('/BUSBRA.zip', await busBraZip());
});
afterAll(() => server.close());

async function freshCache(): Promise<string> {
  server.log.length = 0;
  return makeTempDir('explainseg-data-cache-');
}

/** Every file under the cache folder, relative; [] means nothing was left behind. */
async function filesIn(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((entry) => !entry.isDirectory()).map((entry) => join(entry.parentPath, entry.name).slice(dir.length + 1)).sort();
}

describe('fetchDataset against a local HTTP server', () => {
  it('downloads, unpacks Kvasir-SEG into the layout its adapter reads, records the hash and drops the archive', async () => {
    const cacheDir = await freshCache();
    const events: ProgressEvent[] = [];
    const result = await fetchDataset('kvasir-seg', { cacheDir, url: `${server.base}/kvasir-seg.zip`, onProgress: (event) => events.push(event) });
    const dir = datasetCachePath('kvasir-seg', cacheDir);
    expect(result).toMatchObject({ dir, downloaded: true, sha256: sha256(kvasir), verified: false, expectedFrom: undefined, files: 5 });
    expect(await filesIn(cacheDir)).toEqual([
      'data/kvasir-seg/SOURCE.json', 'data/kvasir-seg/images/cju0aaa.jpg', 'data/kvasir-seg/images/cju0bbb.jpg',
      'data/kvasir-seg/kavsir_bboxes.json', 'data/kvasir-seg/masks/cju0aaa.jpg', 'data/kvasir-seg/masks/cju0bbb.jpg',
      'downloads/kvasir-seg.zip.sha256',
    ]);
    expect(readFileSync(join(cacheDir, 'downloads', 'kvasir-seg.zip.sha256'), 'utf8')).toBe(`${sha256(kvasir)}  kvasir-seg.zip\n`);
    const dataset = await loadKvasirSeg(dir);
    expect(dataset.items.length).toBeGreaterThan(0);
    expect(new Set(dataset.items.map((item) => item.label))).toEqual(new Set([0, 1]));
    expect(events.at(-1)).toEqual({ stage: 'unpack', done: 5, total: 5 });
    expect(events.filter((event) => event.stage === 'download').at(-1)).toEqual({ stage: 'download', done: kvasir.length, total: kvasir.length });
    const again = await fetchDataset('kvasir-seg', { cacheDir, url: `${server.base}/kvasir-seg.zip` });
    expect(again).toMatchObject({ dir, downloaded: false, sha256: sha256(kvasir) });
    expect(server.log).toHaveLength(1);
  });

  it('verifies a later download against the hash the first one recorded', async () => {
    const cacheDir = await freshCache();
    await fetchDataset('kvasir-seg', { cacheDir, url: `${server.base}/kvasir-seg.zip` });
    await rm(datasetCachePath('kvasir-seg', cacheDir), { recursive: true });
    const again = await fetchDataset('kvasir-seg', { cacheDir, url: `${server.base}/kvasir-seg.zip` });
    expect(again).toMatchObject({ downloaded: true, verified: true, expectedFrom: 'stored' });
    server.serve('/changed.zip', archiveWith([{ name: 'Kvasir-SEG/masks/ok.jpg', data: 'y' }]));
    await rm(datasetCachePath('kvasir-seg', cacheDir), { recursive: true });
    await expect(fetchDataset('kvasir-seg', { cacheDir, url: `${server.base}/changed.zip` })).rejects.toBeInstanceOf(ChecksumError);
  });

  it('resumes after a cut connection with a Range request', async () => {
    const cacheDir = await freshCache();
    server.cutNext(1, 1500);
    const result = await fetchDataset('kvasir-seg', { cacheDir, url: `${server.base}/kvasir-seg.zip`, sha256: sha256(kvasir) });
    expect(result.resumedFrom).toBeGreaterThan(0);
    expect(server.log).toEqual([{ path: '/kvasir-seg.zip' }, { path: '/kvasir-seg.zip', range: `bytes=${result.resumedFrom}-` }]);
    expect(result).toMatchObject({ verified: true, expectedFrom: 'option', files: 5 });
    expect(existsSync(join(result.dir, 'images', 'cju0bbb.jpg'))).toBe(true);
  });

  it('refuses a checksum mismatch and leaves nothing in the cache', async () => {
    const cacheDir = await freshCache();
    const attempt = fetchDataset('kvasir-seg', { cacheDir, url: `${server.base}/kvasir-seg.zip`, sha256: 'ab'.repeat(32) });
    await expect(attempt).rejects.toBeInstanceOf(ChecksumError);
    await expect(attempt).rejects.toThrow(`expected SHA-256 ${'ab'.repeat(32)} but received ${sha256(kvasir)}`);
    expect(await readdir(cacheDir)).toEqual([]);
  });

  it.each([
    ['a .. segment', { name: 'Kvasir-SEG/../../escaped.txt', data: 'x' }, /member 'Kvasir-SEG\/..\/..\/escaped.txt' climbs out with '..'/],
    ['an absolute path', { name: '/tmp/escaped.txt', data: 'x' }, /is an absolute path/],
    ['a backslash path', { name: 'Kvasir-SEG\\..\\..\\escaped.txt', data: 'x' }, /climbs out with '..'/],
    ['a symbolic link', { name: 'Kvasir-SEG/images/link.jpg', data: '/etc/passwd', symlink: true }, /is a symbolic link/],
  ])('refuses an archive with %s and leaves nothing in the cache', async (_name, member, message) => {
    const cacheDir = await freshCache();
    server.serve('/evil.zip', archiveWith([member]));
    const attempt = fetchDataset('kvasir-seg', { cacheDir, url: `${server.base}/evil.zip` });
    await expect(attempt).rejects.toBeInstanceOf(DatasetError);
    await expect(attempt).rejects.toThrow(message);
    await expect(attempt).rejects.toThrow(/refused, nothing was unpacked/);
    expect(await readdir(cacheDir)).toEqual([]);
    expect(existsSync(join(cacheDir, '..', 'escaped.txt'))).toBe(false);
  });

  it('refuses an archive that is not in the release layout, or not a zip, leaving nothing', async () => {
    const cacheDir = await freshCache();
    server.serve('/other.zip', archiveWith([]));
    await expect(fetchDataset('kvasir-seg', { cacheDir, url: `${server.base}/other.zip` })).rejects.toThrow(/received no masks \(not the official release\?\)/);
    expect(await readdir(cacheDir)).toEqual([]);
    server.serve('/page.html', Buffer.from('<html>a login page, not a zip</html>'));
    const page = fetchDataset('kvasir-seg', { cacheDir, url: `${server.base}/page.html` });
    await expect(page).rejects.toBeInstanceOf(InputFileError);
    await expect(page).rejects.toThrow(/kvasir-seg\.zip: not a zip archive/);
    expect(await readdir(cacheDir)).toEqual([]);
  });

  it('unpacks BUS-BRA with masks renamed to the image names and labels.csv written from bus_data.csv', async () => {
    const cacheDir = await freshCache();
    const { dir } = await fetchDataset('bus-bra', { cacheDir, url: `${server.base}/BUSBRA.zip` });
    expect(readFileSync(join(dir, 'labels.csv'), 'utf8')).toBe('name,pathology,malignant,birads,case\nbus_0001-l,malignant,1,4,1\nbus_0002-s,benign,0,3,2\n');
    const dataset = await loadBusBra(dir);
    expect(dataset.items.map((item) => [item.id, item.label, item.group, item.maskPath?.slice(dir.length + 1)])).toEqual([
      ['bus_0001-l', 1, 'case-1', 'masks/bus_0001-l.png'], ['bus_0002-s', 0, 'case-2', 'masks/bus_0002-s.png'],
    ]);
  });

  it('says where to get a dataset without a direct download and where to put it, without any request', async () => {
    const cacheDir = await freshCache();
    const attempt = fetchDataset('monuseg', { cacheDir, url: `${server.base}/kvasir-seg.zip` });
    await expect(attempt).rejects.toBeInstanceOf(DatasetError);
    await expect(attempt).rejects.toThrow(`monuseg has no direct download`);
    await expect(attempt).rejects.toThrow(`https://monuseg.grand-challenge.org/Data/ (terms: CC BY-NC-SA 4.0 (challenge data)) and put it in ${datasetCachePath('monuseg', cacheDir)}`);
    await expect(fetchDataset('ph2', { cacheDir })).rejects.toThrow(/RAR archive of BMP images/);
    expect(server.log).toEqual([]);
    expect(await readdir(cacheDir)).toEqual([]);
  });

  it('rejects an unknown name and a malformed hash before any request', async () => {
    const cacheDir = await freshCache();
    await expect(fetchDataset('imagenet', { cacheDir })).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(fetchDataset('imagenet', { cacheDir })).rejects.toThrow("expected one of kvasir-seg, ph2, bus-bra, monuseg for the dataset name but received 'imagenet'");
    await expect(fetchDataset('kvasir-seg', { cacheDir, sha256: 'abc' })).rejects.toThrow(/expected a 64-digit hex SHA-256 for sha256/);
    expect(server.log).toEqual([]);
  });
});
