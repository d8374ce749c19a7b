/**
 * A tiny static file server for a report folder (node:http, GET and HEAD only). It serves nothing outside
 * the folder: '..' segments (plain or percent-encoded) are refused with 403, symbolic links that lead out
 * with 403, hidden files (temporary files of atomic writes) and missing files with 404.
 */
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { extname, join, sep } from 'node:path';
import { ensure, ensureInteger, InputFileError, invalid, RuntimeError } from '../core/index.js';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.csv': 'text/csv; charset=utf-8',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.svg': 'image/svg+xml',
  '.webp': 'image/webp',
};

/** The Content-Type for a file name by its extension (case-insensitive); unknown ones are opaque bytes. */
export function contentTypeFor(path: string): string {
  return CONTENT_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream';
}

export interface ServeOptions {
  /** 0 (default) lets the system pick a free port. */
  readonly port?: number;
  /** Default '127.0.0.1': only this machine can connect. */
  readonly host?: string;
}

export interface ReportServer {
  /** e.g. 'http://127.0.0.1:43817/' */
  readonly url: string;
  readonly port: number;
  /** Stops listening and drops open connections. */
  close(): Promise<void>;
}

/** Serves `dir` over HTTP until `close()`; '/' is `dir/index.html`. */
export async function serveReport(dir: string, options: ServeOptions = {}): Promise<ReportServer> {
  const port = ensureInteger(options.port ?? 0, 'the port', { min: 0, max: 65535 });
  const host = options.host ?? '127.0.0.1';
  ensure(typeof host === 'string' && host.length > 0, 'a host name or address', 'the host', host);
  const root = await reportRoot(dir);
  const server = createServer((request, response) => {
    handleRequest(root, request, response).catch(() => endWith(response, 500, 'internal error'));
  });
  await listen(server, port, host);
  const address = server.address();
  const boundPort = typeof address === 'object' && address !== null ? address.port : port;
  const hostInUrl = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${hostInUrl}:${boundPort}/`,
    port: boundPort,
    close: () => closeServer(server),
  };
}

async function reportRoot(dir: string): Promise<string> {
  try {
    const root = await realpath(dir);
    if (!(await stat(root)).isDirectory()) throw new InputFileError(dir, 'is not a folder');
    return root;
  } catch (error) {
    if (error instanceof InputFileError) throw error;
    throw new InputFileError(dir, 'cannot open the report folder', { cause: error });
  }
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      reject(error.code === 'EADDRINUSE' ? invalid('a free port', 'the report server', `${port} (in use)`) : new RuntimeError(`cannot listen on ${host}:${port}: ${error.message}`, { cause: error }));
    });
    server.listen(port, host, () => resolve());
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

async function handleRequest(root: string, request: IncomingMessage, response: ServerResponse): Promise<void> {
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.setHeader('Allow', 'GET, HEAD');
    return endWith(response, 405, 'method not allowed');
  }
  const resolved = await resolveRequestPath(root, request.url ?? '/');
  if (typeof resolved === 'number') return endWith(response, resolved, resolved === 403 ? 'forbidden' : resolved === 400 ? 'bad request' : 'not found');
  response.writeHead(200, {
    'Content-Type': contentTypeFor(resolved.path),
    'Content-Length': resolved.size,
    'X-Content-Type-Options': 'nosniff',
    'Cache-Control': 'no-cache',
  });
  if (request.method === 'HEAD') return void response.end();
  createReadStream(resolved.path).on('error', () => response.destroy()).pipe(response);
}

/**
 * Maps a request target to a file inside `root`, or to the status that refuses it. The '..' check runs on
 * the decoded path, so '%2e%2e' and '%2f' cannot smuggle a parent segment past it; the realpath check then
 * catches symbolic links that point out of the folder.
 */
export async function resolveRequestPath(root: string, target: string): Promise<{ path: string; size: number } | 400 | 403 | 404> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(target.split(/[?#]/, 1)[0]!);
  } catch {
    return 400;
  }
  if (decoded.includes('\0') || !decoded.startsWith('/')) return 400;
  const segments = decoded.split(/[\\/]+/).filter((segment) => segment.length > 0);
  if (segments.includes('..')) return 403;
  if (segments.some((segment) => segment.startsWith('.'))) return 404;
  return fileInside(root, join(root, ...segments));
}

async function fileInside(root: string, candidate: string): Promise<{ path: string; size: number } | 403 | 404> {
  let real: string;
  try {
    real = await realpath(candidate);
  } catch {
    return 404;
  }
  if (real !== root && !real.startsWith(root.endsWith(sep) ? root : root + sep)) return 403;
  const info = await stat(real);
  if (info.isDirectory()) return fileInside(root, join(real, 'index.html'));
  return info.isFile() ? { path: real, size: info.size } : 404;
}

function endWith(response: ServerResponse, status: number, text: string): void {
  if (response.headersSent) return void response.destroy();
  response.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  response.end(text);
}
