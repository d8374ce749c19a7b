/**
 * `explainseg view`'s server: the review page (plain HTML/CSS/JS shipped in src/viewer/static), a JSON API
 * over one or more run folders, pictures by (run, image id, layer), raw files inside the run folders, and
 * the correction endpoints. Binds 127.0.0.1 only; see http-guard.ts for what every request must satisfy.
 *
 *   GET  /api/runs | /api/images | /api/summary
 *   GET  /api/layer/RUN/ID/LAYER        (image, gt, mask, heatmap, fused, corrected)
 *   GET  /files/RUN/PATH                a file inside run folder RUN (traversal and symlinks out refused)
 *   POST /api/correct {run, id, clicks} the corrected mask as a PNG data URI (nothing written)
 *   POST /api/accept  {run, id, clicks} writes RUN/corrected/ID.png and ID.json
 */
import { realpath } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { ensureInteger, ExplainSegError, invalid, RuntimeError } from '../../core/index.js';
import { CorrectionService } from './correction-service.js';
import type { CorrectionSettings, CorrectionStages } from '../correct/index.js';
import { checkRequest, HttpError, readJsonBody, sendError, sendFile, sendJson, sendText } from './http-guard.js';
import { LAYERS, ReviewIndex, type LayerName } from '../review/index.js';
import { resolveRequestPath } from '../server.js';
import { staticAssets } from './static-assets.js';

export interface ViewerOptions {
  /** 0 (default) lets the system pick a free port. */
  readonly port?: number;
  /** Ground-truth masks matched to image ids by file stem. */
  readonly gtDir?: string;
  /** The seeded cut and CRF for corrections; without them the correction endpoints answer 501. */
  readonly correction?: CorrectionStages;
  readonly correctionSettings?: CorrectionSettings;
  /** How often the page asks for new images, in milliseconds (default 2000). */
  readonly pollMs?: number;
}

export interface ViewerServer {
  /** e.g. 'http://127.0.0.1:43817/' */
  readonly url: string;
  readonly port: number;
  readonly index: ReviewIndex;
  close(): Promise<void>;
}

interface Context {
  readonly index: ReviewIndex;
  readonly assets: ReadonlyMap<string, string>;
  readonly corrections: CorrectionService | undefined;
  readonly pollMs: number;
  port: number;
}

/** Serves the review app for `runDirs` on 127.0.0.1 until `close()`. */
export async function serveViewer(runDirs: readonly string[], options: ViewerOptions = {}): Promise<ViewerServer> {
  const port = ensureInteger(options.port ?? 0, 'the port', { min: 0, max: 65535 });
  const index = await ReviewIndex.open(runDirs, options.gtDir === undefined ? {} : { gtDir: options.gtDir });
  const context: Context = {
    index, assets: await staticAssets(), port,
    corrections: options.correction ? new CorrectionService(index, options.correction, options.correctionSettings) : undefined,
    pollMs: ensureInteger(options.pollMs ?? 2000, 'the poll interval', { min: 50 }),
  };
  const server = createServer((request, response) => {
    handle(context, request, response).catch((error: unknown) => fail(response, error));
  });
  await listen(server, port);
  const address = server.address();
  context.port = typeof address === 'object' && address !== null ? address.port : port;
  return { url: `http://127.0.0.1:${context.port}/`, port: context.port, index, close: () => closeServer(server) };
}

function fail(response: ServerResponse, error: unknown): void {
  if (error instanceof ExplainSegError && !(error instanceof RuntimeError)) return sendError(response, new HttpError(error.code === 'E_INPUT_FILE' ? 404 : 400, error.message));
  const headers: Record<string, string> = error instanceof HttpError && error.status === 413 ? { Connection: 'close' } : {};
  sendError(response, error, headers);
  if (headers.Connection) response.on('finish', () => response.socket?.destroy());
}

function listen(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      reject(error.code === 'EADDRINUSE' ? invalid('a free port', 'the viewer', `${port} (in use)`) : new RuntimeError(`cannot listen on 127.0.0.1:${port}: ${error.message}`, { cause: error }));
    });
    server.listen(port, '127.0.0.1', () => resolve());
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

async function handle(context: Context, request: IncomingMessage, response: ServerResponse): Promise<void> {
  checkRequest(request, context.port);
  const path = (request.url ?? '/').split(/[?#]/, 1)[0]!;
  if (request.method === 'POST') return handlePost(context, path, request, response);
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    return sendText(response, 405, 'method not allowed', { Allow: 'GET, HEAD, POST' });
  }
  if (path.startsWith('/api/')) return handleApi(context, path, request, response);
  if (path.startsWith('/files/')) return handleRunFile(context, path, request, response);
  const asset = context.assets.get(path === '/' ? '/index.html' : path);
  if (!asset) throw new HttpError(404, 'not found');
  return sendFile(request, response, asset);
}

/** Path segments after a prefix, percent-decoded (400 for a broken escape). */
function segmentsOf(path: string, prefix: string): string[] {
  try {
    return path.slice(prefix.length).split('/').map((segment) => decodeURIComponent(segment));
  } catch {
    throw new HttpError(400, 'bad request: broken percent-encoding');
  }
}

function runNumber(context: Context, text: string | undefined): number {
  const run = /^\d{1,4}$/.test(text ?? '') ? Number(text) : -1;
  if (run < 0 || run >= context.index.runCount) throw new HttpError(404, 'no such run');
  return run;
}

async function handleApi(context: Context, path: string, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const { index } = context;
  if (path === '/api/runs') {
    const version = await index.refresh();
    return sendJson(response, 200, { version, runs: index.runs(), correction: context.corrections !== undefined, pollMs: context.pollMs, layers: LAYERS });
  }
  if (path === '/api/images') {
    const version = await index.refresh();
    return sendJson(response, 200, { version, images: await index.images() });
  }
  if (path === '/api/summary') {
    const version = await index.refresh();
    return sendJson(response, 200, { version, runs: await index.summary() });
  }
  if (path.startsWith('/api/layer/')) {
    const [runText, id, layer, ...rest] = segmentsOf(path, '/api/layer/');
    if (rest.length > 0 || !LAYERS.includes(layer as LayerName)) throw new HttpError(404, 'not found');
    const file = await index.layerFile(runNumber(context, runText), id ?? '', layer as LayerName);
    if (!file) throw new HttpError(404, 'not found');
    return sendFile(request, response, file);
  }
  throw new HttpError(404, 'not found');
}

async function handleRunFile(context: Context, path: string, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const slash = path.indexOf('/', '/files/'.length);
  const run = runNumber(context, path.slice('/files/'.length, slash === -1 ? undefined : slash));
  const root = await realpath(context.index.snapshot(run)!.dir);
  const resolved = await resolveRequestPath(root, slash === -1 ? '/' : path.slice(slash));
  if (typeof resolved === 'number') throw new HttpError(resolved, resolved === 403 ? 'forbidden' : resolved === 400 ? 'bad request' : 'not found');
  return sendFile(request, response, resolved.path);
}

async function handlePost(context: Context, path: string, request: IncomingMessage, response: ServerResponse): Promise<void> {
  if (path !== '/api/correct' && path !== '/api/accept') throw new HttpError(404, 'not found');
  const body = await readJsonBody(request);
  if (!context.corrections) throw new HttpError(501, 'corrections are not available in this viewer');
  const requestBody = context.corrections.parse(body);
  if (path === '/api/correct') return sendJson(response, 200, await context.corrections.preview(requestBody));
  return sendJson(response, 200, await context.corrections.accept(requestBody));
}
