import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the server was asked for: the path and the Range header, in order. */
export interface RequestLogEntry {
  readonly path: string;
  readonly range?: string;
}

/**
 * A local HTTP server on 127.0.0.1 (never the network) serving in-memory files by path, honouring
 * `Range: bytes=N-` with 206. `cutNext(n)` makes the next n responses send only `cutAfter` bytes and
 * then drop the connection, to exercise resuming.
 */
export interface FileServer {
  readonly base: string;
  readonly log: RequestLogEntry[];
  serve(path: string, body: Uint8Array): void;
  cutNext(count: number, cutAfter?: number): void;
  close(): Promise<void>;
}

export async function startFileServer(): Promise<FileServer> {
  const files = new Map<string, Buffer>();
  const log: RequestLogEntry[] = [];
  const cut = { count: 0, after: 0 };
  const handle = (request: IncomingMessage, response: ServerResponse): void => {
    const path = request.url ?? '/';
    log.push({ path, ...(request.headers.range ? { range: request.headers.range } : {}) });
    const file = files.get(path);
    if (!file) return void response.writeHead(404).end('not here');
    const range = /bytes=(\d+)-/.exec(request.headers.range ?? '');
    const start = range ? Number(range[1]) : 0;
    const body = file.subarray(start);
    const headers: Record<string, string | number> = { 'Content-Length': body.length };
    if (range) headers['Content-Range'] = `bytes ${start}-${file.length - 1}/${file.length}`;
    response.writeHead(range ? 206 : 200, headers);
    if (cut.count > 0) {
      cut.count -= 1;
      // Drop the connection once the first bytes are flushed: the client sees a short body.
      return void response.write(body.subarray(0, cut.after), () => response.socket?.destroy());
    }
    response.end(body);
  };
  const server: Server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    log,
    serve: (path, body) => void files.set(path, Buffer.from(body)),
    cutNext: (count, cutAfter = 1000) => Object.assign(cut, { count, after: cutAfter }),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
