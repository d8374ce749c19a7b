import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DatasetError, InputFileError } from '../../src/core/index.js';
import { datasetCachePath, resolveDatasetDir } from '../../src/data/index.js';
import { makeTempDir } from './synthetic.js';

describe('resolveDatasetDir', () => {
  it('prefers --data, then EXPLAINSEG_DATA, then the cached copy', async () => {
    const cacheDir = await makeTempDir('resolve-data-');
    const mine = join(cacheDir, 'mine');
    const other = join(cacheDir, 'other');
    await mkdir(mine);
    await mkdir(other);
    await mkdir(datasetCachePath('kvasir-seg', cacheDir), { recursive: true });
    expect(await resolveDatasetDir('kvasir-seg', { flag: mine, env: other, cacheDir })).toEqual({ path: mine, source: 'flag' });
    expect(await resolveDatasetDir('kvasir-seg', { env: other, cacheDir })).toEqual({ path: other, source: 'env' });
    expect(await resolveDatasetDir('kvasir-seg', { cacheDir })).toEqual({ path: datasetCachePath('kvasir-seg', cacheDir), source: 'cache' });
  });

  it('names a missing or non-folder --data / EXPLAINSEG_DATA instead of falling through to the cache', async () => {
    const cacheDir = await makeTempDir('resolve-data-');
    await mkdir(datasetCachePath('kvasir-seg', cacheDir), { recursive: true });
    const file = join(cacheDir, 'file.txt');
    await writeFile(file, 'x');
    await expect(resolveDatasetDir('kvasir-seg', { flag: join(cacheDir, 'gone'), cacheDir })).rejects.toThrow(`${join(cacheDir, 'gone')}: named by --data but does not exist`);
    await expect(resolveDatasetDir('kvasir-seg', { env: file, cacheDir })).rejects.toBeInstanceOf(InputFileError);
    await expect(resolveDatasetDir('kvasir-seg', { env: file, cacheDir })).rejects.toThrow('named by EXPLAINSEG_DATA but is not a folder');
  });

  it('says which command fetches the data, or where to get it by hand, when there is none', async () => {
    const cacheDir = await makeTempDir('resolve-data-');
    const attempt = resolveDatasetDir('kvasir-seg', { cacheDir });
    await expect(attempt).rejects.toBeInstanceOf(DatasetError);
    await expect(attempt).rejects.toThrow(`no kvasir-seg data found: pass --data DIR, set EXPLAINSEG_DATA, or run 'explainseg data fetch kvasir-seg' (looked in ${datasetCachePath('kvasir-seg', cacheDir)})`);
    await expect(resolveDatasetDir('ph2', { cacheDir })).rejects.toThrow("download it from https://www.fc.up.pt/addi/ph2%20database.html into the cache as 'explainseg data fetch ph2' describes");
    await expect(resolveDatasetDir('generic', { cacheDir })).rejects.toThrow('expected a dataset folder for the generic dataset kind but received none');
  });
});
