import { readFile, rm, rmdir, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import {
  DatasetError, defaultCacheDir, downloadVerified, recordSha256,
  type HashSource, type VerifiedDownload, type VerifiedDownloadOptions,
} from '../../core/index.js';
import { datasetSource, type DatasetSource } from './sources.js';
import { unpackAtomically } from './unpack.js';

/** CACHE/data/NAME: where `fetchDataset` unpacks a dataset (and where a hand-placed copy is found). */
export function datasetCachePath(name: string, cacheDir: string): string {
  return join(cacheDir, 'data', name);
}

export interface FetchDatasetOptions extends Omit<VerifiedDownloadOptions, 'url' | 'path' | 'publishedSha256'> {
  /** Default: EXPLAINSEG_CACHE or ~/.cache/explainseg. */
  readonly cacheDir?: string;
  /** Download from here instead of the official URL (a mirror, or a local server in tests). */
  readonly url?: string;
}

export interface FetchDatasetResult {
  /** The dataset folder, in the layout the adapter reads. */
  readonly dir: string;
  /** False when the folder was already there (nothing was downloaded or changed). */
  readonly downloaded: boolean;
  /** SHA-256 of the archive it was unpacked from, when known. */
  readonly sha256: string | undefined;
  /** True only when the archive was compared with an expected hash and matched. */
  readonly verified: boolean;
  readonly expectedFrom: HashSource;
  readonly resumedFrom: number;
  /** Archive members written. */
  readonly files: number;
}

/** What SOURCE.json in a fetched dataset folder records. */
interface FetchRecord {
  readonly dataset: string;
  readonly url: string;
  readonly sha256: string;
  readonly verified: boolean;
  readonly terms: string;
  readonly citation: string;
}

/**
 * Download a dataset's official archive into CACHE/downloads (resumable, SHA-256 checked), unpack it
 * atomically into CACHE/data/NAME in the layout its adapter reads, then delete the archive. With no published
 * hash, the archive's hash is recorded in CACHE/downloads/ARCHIVE.sha256 once it unpacked, and later
 * downloads are verified against it. A refused archive (checksum mismatch, a member escaping the folder, not
 * the expected layout) leaves nothing behind. Datasets without a direct download throw a DatasetError that
 * says where to get them and where to put them.
 */
export async function fetchDataset(name: string, options: FetchDatasetOptions = {}): Promise<FetchDatasetResult> {
  const source = datasetSource(name);
  const { cacheDir = defaultCacheDir(), url, ...rest } = options;
  const dir = datasetCachePath(name, cacheDir);
  if (await isDirectory(dir)) return alreadyPresent(dir);
  const download = source.download;
  if (!download) throw new DatasetError(noDirectDownloadMessage(name, source, dir));
  const archivePath = join(cacheDir, 'downloads', download.archiveName);
  const archive = await downloadVerified({
    ...rest, url: url ?? download.url, path: archivePath, ...(download.sha256 ? { publishedSha256: download.sha256 } : {}),
  }).catch(async (error: unknown) => {
    await removeIfEmpty(dirname(archivePath));
    throw error;
  });
  const record: FetchRecord = { dataset: name, url: url ?? download.url, sha256: archive.sha256, verified: archive.verified, terms: source.terms, citation: source.citation };
  let files: number;
  try {
    files = await unpackAtomically(archivePath, dir, download.layout, {
      ...(rest.onProgress ? { onProgress: rest.onProgress } : {}),
      extraFiles: { 'SOURCE.json': `${JSON.stringify(record, null, 2)}\n` },
    });
  } catch (error) {
    await discardArchive(archivePath);
    await removeIfEmpty(dirname(dir));
    throw error;
  }
  if (!archive.verified) await recordSha256(archivePath, archive.sha256);
  await rm(archivePath, { force: true });
  return fetchedResult(dir, archive, files);
}

export function noDirectDownloadMessage(name: string, source: DatasetSource, dir: string): string {
  return `${name} has no direct download: ${source.manual}. Get it from ${source.homepage} (terms: ${source.terms}) `
    + `and put it in ${dir} as ${source.layout}, or pass --data DIR (or set EXPLAINSEG_DATA) where it is`;
}

function fetchedResult(dir: string, archive: VerifiedDownload, files: number): FetchDatasetResult {
  return { dir, downloaded: true, sha256: archive.sha256, verified: archive.verified, expectedFrom: archive.expectedFrom, resumedFrom: archive.resumedFrom, files };
}

async function alreadyPresent(dir: string): Promise<FetchDatasetResult> {
  const record = await readFile(join(dir, 'SOURCE.json'), 'utf8').then((text) => JSON.parse(text) as Partial<FetchRecord>, () => undefined);
  return { dir, downloaded: false, sha256: record?.sha256, verified: false, expectedFrom: undefined, resumedFrom: 0, files: 0 };
}

/** A refused archive goes, with its .part; so does CACHE/downloads when nothing else is in it. */
async function discardArchive(archivePath: string): Promise<void> {
  await rm(archivePath, { force: true });
  await rm(`${archivePath}.part`, { force: true });
  await removeIfEmpty(dirname(archivePath));
}

async function removeIfEmpty(dir: string): Promise<void> {
  await rmdir(dir).catch(() => undefined); // fails, harmlessly, when the folder holds anything
}

export async function isDirectory(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isDirectory() ?? false;
}
