import { createWriteStream } from 'node:fs';
import { mkdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { get as httpGet, type IncomingMessage } from 'node:http';
import { get as httpsGet } from 'node:https';
import { homedir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { ChecksumError, DownloadError, InputFileError } from '../../core/errors.js';
import { weightsProblem } from './problem.js';
import { sha256File, writeFileAtomic } from '../../core/files.js';
import { createProgressTracker, type ProgressCallback, type ProgressTracker } from '../../core/progress.js';
import { ensure } from '../../core/validate.js';

export interface KnownWeights {
  readonly url: string;
  readonly fileName: string;
  /** Published SHA-256, when one is known; otherwise the first download records its own. */
  readonly sha256: string | undefined;
  readonly description: string;
}

/**
 * Weights the CLI can fetch by name. The DINO release publishes no checksum for this file and none is
 * hard-coded here (an unverified constant would be a false promise): the first download stores the
 * computed SHA-256 next to the file and later runs verify against it.
 */
export const weightsRegistry: Readonly<Record<string, KnownWeights>> = {
  'dino-vits16': {
    url: 'https://dl.fbaipublicfiles.com/dino/dino_deitsmall16_pretrain/dino_deitsmall16_pretrain.pth',
    fileName: 'dino_deitsmall16_pretrain.pth',
    sha256: undefined,
    description: 'DINO ViT-S/16 teacher backbone, ImageNet self-supervised (Caron et al. 2021), float32 .pth, 86 MB',
  },
};

export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.EXPLAINSEG_CACHE || join(homedir(), '.cache', 'explainseg');
}

export function weightsCachePath(name: string, cacheDir: string): string {
  return join(cacheDir, 'weights', knownWeights(name).fileName);
}

export interface FetchWeightsOptions {
  readonly cacheDir?: string;
  /** Download from here instead of the registry URL (a mirror, or a local server in tests). */
  readonly url?: string;
  /** Expected SHA-256 (hex); overrides the registry and any stored hash. */
  readonly sha256?: string;
  readonly onProgress?: ProgressCallback;
  /** Further attempts after a cut connection, each resuming from the .part file (default 3). */
  readonly retries?: number;
  readonly timeoutMs?: number;
}

export interface FetchWeightsResult {
  readonly path: string;
  readonly sha256: string;
  /** True only when the bytes were compared with an expected hash and matched. */
  readonly verified: boolean;
  /** Where the expected hash came from; undefined when none existed and the computed one was stored. */
  readonly expectedFrom: 'option' | 'registry' | 'stored' | undefined;
  readonly downloaded: boolean;
  /** Bytes already present in the .part file when the (last) transfer started. */
  readonly resumedFrom: number;
}

/**
 * Download named weights into the cache: resumable through a `.part` file and HTTP Range requests
 * (RFC 9110 section 14), restarted when the server ignores Range, verified by SHA-256, then renamed into
 * place so the final path only ever holds a complete, checked file.
 */
export async function fetchWeights(name: string, options: FetchWeightsOptions = {}): Promise<FetchWeightsResult> {
  const known = knownWeights(name);
  if (options.sha256 !== undefined) ensure(/^[0-9a-f]{64}$/i.test(options.sha256), 'a 64-digit hex SHA-256', 'sha256', options.sha256);
  const path = weightsCachePath(name, options.cacheDir ?? defaultCacheDir());
  const expected = await expectedHash(known, path, options.sha256);
  if (await isFile(path)) return verifyExisting(path, expected);
  await mkdir(dirname(path), { recursive: true });
  const resumedFrom = await downloadWithRetries(options.url ?? known.url, `${path}.part`, options);
  const actual = await sha256File(`${path}.part`);
  if (expected.hash && expected.hash !== actual) {
    await rm(`${path}.part`, { force: true });
    throw new ChecksumError(path, expected.hash, actual);
  }
  await rename(`${path}.part`, path);
  if (!expected.hash) await storeHash(path, actual);
  return { path, sha256: actual, verified: Boolean(expected.hash), expectedFrom: expected.from, downloaded: true, resumedFrom };
}

function knownWeights(name: string): KnownWeights {
  const known = weightsRegistry[name];
  ensure(known !== undefined, `one of ${Object.keys(weightsRegistry).join(', ')}`, 'weights name', name);
  return known!;
}

async function expectedHash(known: KnownWeights, path: string, option?: string): Promise<{ hash?: string; from: FetchWeightsResult['expectedFrom'] }> {
  if (option) return { hash: option.toLowerCase(), from: 'option' };
  if (known.sha256) return { hash: known.sha256, from: 'registry' };
  const stored = await readFile(`${path}.sha256`, 'utf8').catch(() => undefined);
  const hash = stored?.trim().split(/\s+/)[0];
  return hash && /^[0-9a-f]{64}$/.test(hash) ? { hash, from: 'stored' } : { from: undefined };
}

/** A file already in place is checked, never silently trusted; with no hash at all, its hash is recorded. */
async function verifyExisting(path: string, expected: { hash?: string; from: FetchWeightsResult['expectedFrom'] }): Promise<FetchWeightsResult> {
  const actual = await sha256File(path);
  if (expected.hash && expected.hash !== actual) throw new ChecksumError(path, expected.hash, actual);
  if (!expected.hash) await storeHash(path, actual);
  return { path, sha256: actual, verified: Boolean(expected.hash), expectedFrom: expected.from, downloaded: false, resumedFrom: 0 };
}

/** `sha256sum` format, so the file can also be checked by hand. */
async function storeHash(path: string, hash: string): Promise<void> {
  await writeFileAtomic(`${path}.sha256`, `${hash}  ${basename(path)}\n`);
}

async function downloadWithRetries(url: string, partPath: string, options: FetchWeightsOptions): Promise<number> {
  const retries = options.retries ?? 3;
  let tracker: ProgressTracker | undefined;
  for (let attempt = 0; ; attempt++) {
    const have = (await stat(partPath).catch(() => undefined))?.size ?? 0;
    try {
      await downloadOnce(url, partPath, have, {
        timeoutMs: options.timeoutMs ?? 30_000,
        onBytes: (done, total) => {
          tracker ??= createProgressTracker('download', total, options.onProgress);
          tracker.set(done);
        },
      });
      return have;
    } catch (error) {
      const retryable = !(error instanceof DownloadError && (error as DownloadError & { status?: number }).status !== undefined);
      if (!retryable || attempt >= retries) throw asDownloadError(error, url, partPath);
    }
  }
}

function asDownloadError(error: unknown, url: string, partPath: string): DownloadError {
  if (error instanceof DownloadError) return error;
  return new DownloadError(`${url}: ${(error as Error).message}; the partial file ${partPath} is kept and the next run resumes it`, { cause: error });
}

/** An HTTP status the server answered with: retrying will not help. */
function httpStatusError(status: number, url: string): DownloadError {
  const error = new DownloadError(`${url}: HTTP ${status}${status === 404 ? ' (not found)' : ''}`) as DownloadError & { status?: number };
  error.status = status;
  return error;
}

async function downloadOnce(
  url: string,
  partPath: string,
  have: number,
  options: { timeoutMs: number; onBytes: (done: number, total: number) => void },
): Promise<void> {
  const response = await request(url, have > 0 ? { Range: `bytes=${have}-` } : {}, options.timeoutMs);
  const resumeStart = response.statusCode === 206 ? Number(/bytes (\d+)-/.exec(response.headers['content-range'] ?? '')?.[1]) : NaN;
  if (response.statusCode === 416 || (response.statusCode === 206 && resumeStart !== have)) {
    response.resume();
    await rm(partPath, { force: true }); // the server cannot continue this .part: start over on the next attempt
    throw new Error(`server could not resume at byte ${have}`);
  }
  if (response.statusCode !== 200 && response.statusCode !== 206) {
    response.resume();
    throw httpStatusError(response.statusCode ?? 0, url);
  }
  const start = response.statusCode === 206 ? have : 0; // 200 to a Range request: the server ignored it, restart
  const length = Number(response.headers['content-length'] ?? NaN);
  const total = Number.isFinite(length) ? start + length : 0;
  await streamToFile(response, partPath, { start, total, onBytes: options.onBytes });
}

function streamToFile(response: IncomingMessage, partPath: string, options: { start: number; total: number; onBytes: (done: number, total: number) => void }): Promise<void> {
  return new Promise((resolve, reject) => {
    const file = createWriteStream(partPath, { flags: options.start > 0 ? 'a' : 'w' });
    let done = options.start;
    let failed = false;
    const fail = (error: Error): void => {
      if (failed) return;
      failed = true;
      response.destroy();
      file.end(() => reject(error));
    };
    response.on('data', (chunk: Buffer) => {
      done += chunk.length;
      if (options.total > 0) options.onBytes(done, options.total);
    });
    response.on('error', fail);
    response.on('aborted', () => fail(new Error(`connection closed after ${done} bytes`)));
    file.on('error', fail);
    file.on('finish', () => {
      if (failed) return;
      if (options.total > 0 && done < options.total) reject(new Error(`connection closed after ${done} of ${options.total} bytes`));
      else {
        options.onBytes(done, Math.max(done, options.total));
        resolve();
      }
    });
    response.pipe(file);
  });
}

/** GET with redirects followed (at most 5), a socket timeout, and the response left unread. */
function request(url: string, headers: Record<string, string>, timeoutMs: number, redirects = 0): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const get = url.startsWith('https:') ? httpsGet : httpGet;
    const req = get(url, { headers: { 'User-Agent': 'explainseg', ...headers } }, (response) => {
      const status = response.statusCode ?? 0;
      const location = response.headers.location;
      if (status >= 300 && status < 400 && location) {
        response.resume();
        if (redirects >= 5) return reject(new DownloadError(`${url}: more than 5 redirects`));
        return resolve(request(new URL(location, url).toString(), headers, timeoutMs, redirects + 1));
      }
      resolve(response);
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no data for ${timeoutMs} ms`)));
    req.on('error', reject);
  });
}

export interface ResolveWeightsOptions {
  /** `--weights FILE` */
  readonly flag?: string;
  /** The value of EXPLAINSEG_WEIGHTS. */
  readonly env?: string;
  /** The cache folder (default: EXPLAINSEG_CACHE or ~/.cache/explainseg). */
  readonly cache?: string;
  readonly name?: string;
}

/** Find weights: `--weights`, then EXPLAINSEG_WEIGHTS, then the cache; otherwise say how to get them. */
export async function resolveWeightsPath(options: ResolveWeightsOptions = {}): Promise<{ path: string; source: 'flag' | 'env' | 'cache' }> {
  for (const [value, source, label] of [[options.flag, 'flag', '--weights'], [options.env, 'env', 'EXPLAINSEG_WEIGHTS']] as const) {
    if (!value) continue;
    if (!(await stat(value).catch(() => undefined))) throw new InputFileError(value, `named by ${label} but does not exist`);
    return { path: value, source };
  }
  const name = options.name ?? 'dino-vits16';
  const cached = weightsCachePath(name, options.cache ?? defaultCacheDir());
  if (await isFile(cached)) return { path: cached, source: 'cache' };
  throw weightsProblem('weights', `no weights found: pass --weights FILE, set EXPLAINSEG_WEIGHTS, or run 'explainseg weights fetch ${name}' (looked in ${cached})`);
}

async function isFile(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isFile() ?? false;
}
