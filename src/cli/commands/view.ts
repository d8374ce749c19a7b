import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ensureInteger, invalid } from '../../core/index.js';
import { serveReport, serveViewer } from '../../viewer/index.js';
import type { Command } from '../command.js';
import { correctionStages } from '../correction-stages.js';
import { stringFlag } from '../flags.js';

const usage = `Usage: explainseg view RUN_DIR [RUN_DIR...] [--gt DIR] [--port N]

Serve the review app for one or more run folders (the --out folder of 'explainseg segment', or of
'demo') on 127.0.0.1 and print its URL. The page shows a grid of images with their layers (image, ground
truth, predicted mask, relevance heatmap, fused map, corrected mask; toggle and fade them), per-image
IoU/Dice, predicted class and probability, predicted vs true foreground; sorting and filtering; a large
view with keyboard navigation; a summary with the metrics table and a Dice histogram; several runs side
by side on the same image ids. New images appear while a run is still being written.
In the large view, clicks correct a mask (Shift-click or right-click removes foreground); accepted
corrections are written to RUN/corrected/ID.png and ID.json, never over the run's own mask.
Only this machine can connect. Press Ctrl-C to stop.
A folder that holds only a static report (index.html) is served as it is.

Options:
  --gt DIR       ground-truth masks, matched to image ids by file stem (default: a demo's RUN/ID/truth.png)
  -p, --port N   port to listen on (default 0: any free port)`;

export interface ViewOptions {
  readonly port?: number;
  readonly gtDir?: string;
  readonly stdout: NodeJS.WritableStream;
  /** Called once the server listens; its promise resolves when the server should stop (the command: Ctrl-C). */
  readonly until: () => Promise<void>;
}

/** A folder with index.html and nothing a run writes: the old static report page. */
function isStaticReport(dir: string): boolean {
  return existsSync(join(dir, 'index.html')) && !existsSync(join(dir, 'run.json')) && !existsSync(join(dir, '..', 'images'));
}

/** Serves the review app for `dirs` (or one static report folder) until `options.until` resolves. */
export async function runView(dirs: readonly string[], options: ViewOptions): Promise<void> {
  const port = options.port ?? 0;
  const server = dirs.length === 1 && isStaticReport(dirs[0]!) && options.gtDir === undefined
    ? await serveReport(dirs[0]!, { port, host: '127.0.0.1' })
    : await serveViewer(dirs, { port, correction: correctionStages(), ...(options.gtDir === undefined ? {} : { gtDir: options.gtDir }) });
  options.stdout.write(`Serving ${dirs.join(', ')} at ${server.url}\nPress Ctrl-C to stop.\n`);
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
  summary: 'review runs in the browser: layers, scores, side by side, click corrections (127.0.0.1)',
  usage,
  options: { port: { type: 'string', short: 'p' }, gt: { type: 'string' } },
  async run(args, io) {
    if (args.positionals.length === 0) throw invalid('at least one run folder', 'explainseg view', args.positionals);
    const port = parsePort(args.values.port as string | undefined);
    const gtDir = stringFlag(args.values, 'gt');
    await runView(args.positionals, { port, stdout: io.stdout, until: untilInterrupted, ...(gtDir ? { gtDir } : {}) });
    return 0;
  },
};
