import { mkdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { ChecksumError } from '../errors.js';
import { sha256File, writeFileAtomic } from './files.js';
import { downloadToPart, type PartDownloadOptions } from './http-download.js';
import { ensure } from '../validate.js';

/**
 * A download that ends either in a complete file whose SHA-256 was checked (or, when no hash is known
 * anywhere, computed so the caller can record it) or in nothing at the final path. Used for backbone
 * weights and dataset archives alike.
 */

/** The cache root: EXPLAINSEG_CACHE, else ~/.cache/explainseg. */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.EXPLAINSEG_CACHE || join(homedir(), '.cache', 'explainseg');
}

/** A 64-digit hex SHA-256, returned in lower case. */
export function ensureSha256(value: string, what: string): string {
  ensure(/^[0-9a-f]{64}$/i.test(value), 'a 64-digit hex SHA-256', what, value);
  return value.toLowerCase();
}

/** Where the expected hash came from; undefined when none existed and the computed one is to be recorded. */
export type HashSource = 'option' | 'registry' | 'stored' | undefined;

export interface VerifiedDownloadOptions extends PartDownloadOptions {
  readonly url: string;
  /** The final path; `PATH.part` holds a transfer in progress, `PATH.sha256` a recorded hash. */
  readonly path: string;
  /** Expected SHA-256 given by the user (e.g. --sha256); wins over the published and the recorded one. */
  readonly sha256?: string;
  /** SHA-256 published by the file's owners, when there is one. */
  readonly publishedSha256?: string;
}

export interface VerifiedDownload {
  readonly path: string;
  readonly sha256: string;
  /** True only when the bytes were compared with an expected hash and matched. */
  readonly verified: boolean;
  readonly expectedFrom: HashSource;
  readonly downloaded: boolean;
  /** Bytes already present in the .part file when the (last) transfer started. */
  readonly resumedFrom: number;
}

/**
 * Download `url` to `path` unless a file is already there (which is then checked, never silently trusted):
 * through `PATH.part`, verified against the first of option, published and recorded hash, then renamed into
 * place, so `path` only ever holds a complete, checked file. A mismatch removes the .part and throws a
 * ChecksumError. The hash is not recorded here: call `recordSha256` once the caller accepts the file.
 */
export async function downloadVerified(options: VerifiedDownloadOptions): Promise<VerifiedDownload> {
  ensure(/^https?:\/\//i.test(options.url), 'an http:// or https:// URL', 'the download URL', options.url);
  const { path } = options;
  const expected = await expectedHash(options);
  if (await isFile(path)) return verifyExisting(path, expected);
  await mkdir(dirname(path), { recursive: true });
  const partPath = `${path}.part`;
  const resumedFrom = await downloadToPart(options.url, partPath, options);
  const actual = await sha256File(partPath);
  if (expected.hash && expected.hash !== actual) {
    await rm(partPath, { force: true });
    throw new ChecksumError(path, expected.hash, actual);
  }
  await rename(partPath, path);
  return { path, sha256: actual, verified: Boolean(expected.hash), expectedFrom: expected.from, downloaded: true, resumedFrom };
}

interface ExpectedHash {
  readonly hash?: string;
  readonly from: HashSource;
}

async function expectedHash(options: VerifiedDownloadOptions): Promise<ExpectedHash> {
  if (options.sha256 !== undefined) return { hash: ensureSha256(options.sha256, 'sha256'), from: 'option' };
  if (options.publishedSha256) return { hash: options.publishedSha256.toLowerCase(), from: 'registry' };
  const hash = await readRecordedSha256(options.path);
  return hash ? { hash, from: 'stored' } : { from: undefined };
}

async function verifyExisting(path: string, expected: ExpectedHash): Promise<VerifiedDownload> {
  const actual = await sha256File(path);
  if (expected.hash && expected.hash !== actual) throw new ChecksumError(path, expected.hash, actual);
  return { path, sha256: actual, verified: Boolean(expected.hash), expectedFrom: expected.from, downloaded: false, resumedFrom: 0 };
}

/** The hash a first download recorded in `PATH.sha256`, if any. */
export async function readRecordedSha256(path: string): Promise<string | undefined> {
  const stored = await readFile(`${path}.sha256`, 'utf8').catch(() => undefined);
  const hash = stored?.trim().split(/\s+/)[0];
  return hash && /^[0-9a-f]{64}$/.test(hash) ? hash : undefined;
}

/** Record a hash next to the file, in `sha256sum` format so it can also be checked by hand. */
export async function recordSha256(path: string, hash: string): Promise<void> {
  await writeFileAtomic(`${path}.sha256`, `${hash}  ${basename(path)}\n`);
}

export async function isFile(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isFile() ?? false;
}
