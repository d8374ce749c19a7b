import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ensureInteger, InputFileError, invalid } from '../../core/index.js';
import { serveReport } from '../../viewer/index.js';
import type { Command } from '../command.js';

const usage = `Usage: explainseg view DIR [--port N]

Serve DIR (a run folder with index.html, as written by the report step) on 127.0.0.1 and print its URL.
Only this machine can connect. Press Ctrl-C to stop.

Options:
  -p, --port N   port to listen on (default 0: any free port)`;

export interface ViewOptions {
  readonly port?: number;
  readonly stdout: NodeJS.WritableStream;
  /** Called once the server listens; its promise resolves when the server should stop (the command: Ctrl-C). */
  readonly until: () => Promise<void>;
}

/** Serves `dir` until `options.until` resolves, printing the URL first. */
export async function runView(dir: string, options: ViewOptions): Promise<void> {
  if (!existsSync(join(dir, 'index.html'))) throw new InputFileError(dir, 'has no index.html (is it a run folder with a report?)');
  const server = await serveReport(dir, { port: options.port ?? 0, host: '127.0.0.1' });
  options.stdout.write(`Serving ${dir} at ${server.url}\nPress Ctrl-C to stop.\n`);
  try {
    await options.until();
  } finally {
    await server.close();
  }
}

/** Resolves on the first SIGINT or SIGTERM, and stops listening for them then. */
export function untilInterrupted(): Promise<void> {
  return new Promise((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

export function parsePort(text: string | undefined): number {
  if (text === undefined) return 0;
  if (!/^\d+$/.test(text)) throw invalid('an integer in [0, 65535]', '--port', text);
  return ensureInteger(Number(text), '--port', { min: 0, max: 65535 });
}

export const viewCommand: Command = {
  name: 'view',
  summary: 'serve a run folder\'s HTML report on 127.0.0.1',
  usage,
  options: { port: { type: 'string', short: 'p' } },
  async run(args, io) {
    if (args.positionals.length !== 1) throw invalid('exactly one folder', 'explainseg view', args.positionals);
    const port = parsePort(args.values.port as string | undefined);
    await runView(args.positionals[0]!, { port, stdout: io.stdout, until: untilInterrupted });
    return 0;
  },
};
