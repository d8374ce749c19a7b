/**
 * The viewer server's front door: requests are answered only when addressed to this machine by name
 * (Host 127.0.0.1 or localhost, with the bound port or none: DNS rebinding gets 421), POSTs only with a JSON
 * body under a small limit (413 above it) and, when the browser sends an Origin, only from the page's own
 * origin (403: another site cannot drive corrections). Every answer carries no-sniff and a strict CSP.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { contentTypeFor } from '../server.js';

/** Largest request body accepted (a correction's clicks are a few kilobytes). */
export const MAX_BODY_BYTES = 64 * 1024;

const ALLOWED_HOSTS = ['127.0.0.1', 'localhost'];

const SECURITY_HEADERS: Record<string, string> = {
  'X-Content-Type-Options': 'nosniff',
  'Content-Security-Policy': "default-src 'self'; img-src 'self' data: blob:; script-src 'self'; style-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
};

/** Whether a Host header names this server: 127.0.0.1 or localhost, with `port` or without a port. */
export function isAllowedHost(host: string | undefined, port: number): boolean {
  if (host === undefined) return false;
  const match = /^([^:]+)(?::(\d+))?$/.exec(host.trim().toLowerCase());
  if (!match || !ALLOWED_HOSTS.includes(match[1]!)) return false;
  return match[2] === undefined || Number(match[2]) === port;
}

/** Whether an Origin header (when present) is this server's own. */
export function isAllowedOrigin(origin: string | undefined, port: number): boolean {
  if (origin === undefined) return true;
  const match = /^http:\/\/(.+)$/.exec(origin.trim().toLowerCase());
  return match !== null && isAllowedHost(match[1], port);
}

/** An error answer: a status and a short text. */
export class HttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

/** Refuses a request that is not addressed to this server (421) or comes from another origin (403). */
export function checkRequest(request: IncomingMessage, port: number): void {
  if (!isAllowedHost(request.headers.host, port)) throw new HttpError(421, 'misdirected request: this server answers only to 127.0.0.1 and localhost');
  const origin = request.headers.origin;
  if (!isAllowedOrigin(typeof origin === 'string' ? origin : undefined, port)) throw new HttpError(403, 'forbidden: cross-origin request');
}

/** The JSON body of a POST: 415 unless it is application/json, 413 over `limit` bytes, 400 when malformed. */
export async function readJsonBody(request: IncomingMessage, limit = MAX_BODY_BYTES): Promise<unknown> {
  const type = request.headers['content-type'] ?? '';
  if (!/^application\/json\b/i.test(type)) throw new HttpError(415, 'expected a JSON body (Content-Type: application/json)');
  const declared = Number(request.headers['content-length'] ?? Number.NaN);
  if (Number.isFinite(declared) && declared > limit) throw new HttpError(413, `request body over ${limit} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new HttpError(413, `request body over ${limit} bytes`);
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch {
    throw new HttpError(400, 'malformed JSON body');
  }
}

export function sendJson(response: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  response.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(body) });
  response.end(body);
}

export function sendText(response: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  if (response.headersSent) return void response.destroy();
  response.writeHead(status, { ...SECURITY_HEADERS, ...headers, 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  response.end(text);
}

/** Streams a file the server chose (never a path from the request); 404 when it is not a plain file. */
export async function sendFile(request: IncomingMessage, response: ServerResponse, path: string): Promise<void> {
  const info = await stat(path).catch(() => undefined);
  if (!info?.isFile()) throw new HttpError(404, 'not found');
  response.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': contentTypeFor(path), 'Content-Length': info.size });
  if (request.method === 'HEAD') return void response.end();
  await new Promise<void>((resolve) => {
    createReadStream(path).on('error', () => { response.destroy(); resolve(); }).on('end', resolve).pipe(response);
  });
}

/** Ends a request with the error's status (500 for anything that is not an HttpError). */
export function sendError(response: ServerResponse, error: unknown, headers: Record<string, string> = {}): void {
  const status = error instanceof HttpError ? error.status : 500;
  sendText(response, status, error instanceof HttpError ? error.message : 'internal error', headers);
}
