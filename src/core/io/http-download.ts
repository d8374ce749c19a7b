import { createWriteStream } from 'node:fs';
import { rm, stat } from 'node:fs/promises';
import { get as httpGet, type IncomingMessage } from 'node:http';
import { get as httpsGet } from 'node:https';
import { DownloadError } from '../errors.js';
import { createProgressTracker, type ProgressCallback, type ProgressTracker } from '../progress.js';

/**
 * HTTP(S) GET into a `.part` file: resumable through Range requests (RFC 9110 section 14), restarted when the
 * server ignores Range, retried after a cut connection, with a socket timeout and redirects followed. The
 * caller decides what a complete file is worth (checksum, rename): see `downloadVerified` in download.ts.
 */
export interface PartDownloadOptions {
  readonly onProgress?: ProgressCallback;
  /** Progress stage name (default 'download'). */
  readonly stage?: string;
  /** Further attempts after a cut connection, each resuming from the .part file (default 3). */
  readonly retries?: number;
  /** Socket idle timeout per attempt (default 30 s). */
  readonly timeoutMs?: number;
}

/** An HTTP status the server answered with: retrying will not help. */
class HttpStatusError extends DownloadError {
  readonly status: number;
  constructor(status: number, url: string) {
    super(`${url}: HTTP ${status}${status === 404 ? ' (not found)' : ''}`);
    this.status = status;
  }
}

/** Download `url` into `partPath`, appending to what is already there; returns the bytes it resumed from. */
export async function downloadToPart(url: string, partPath: string, options: PartDownloadOptions = {}): Promise<number> {
  const retries = options.retries ?? 3;
  let tracker: ProgressTracker | undefined;
  for (let attempt = 0; ; attempt++) {
    const have = (await stat(partPath).catch(() => undefined))?.size ?? 0;
    try {
      await downloadOnce(url, partPath, have, {
        timeoutMs: options.timeoutMs ?? 30_000,
        onBytes: (done, total) => {
          tracker ??= createProgressTracker(options.stage ?? 'download', total, options.onProgress);
          tracker.set(done);
        },
      });
      return have;
    } catch (error) {
      if (error instanceof HttpStatusError || attempt >= retries) throw asDownloadError(error, url, partPath);
    }
  }
}

function asDownloadError(error: unknown, url: string, partPath: string): DownloadError {
  if (error instanceof DownloadError) return error;
  return new DownloadError(`${url}: ${(error as Error).message}; the partial file ${partPath} is kept and the next run resumes it`, { cause: error });
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
    throw new HttpStatusError(response.statusCode ?? 0, url);
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
