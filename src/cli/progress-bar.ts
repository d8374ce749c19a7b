import type { ProgressCallback, ProgressEvent } from '../core/progress.js';
import type { CliIo } from './command.js';

/**
 * A progress sink for the terminal: an updating bar with rate and ETA on a TTY,
 * otherwise a line at most every few seconds (and at the end), so logs stay readable.
 */
export function createProgressBar(io: CliIo, options: { minIntervalMs?: number } = {}): ProgressCallback {
  const started = new Map<string, number>();
  // A stage's clock starts at its first event, or when the previous stage ended if that first event already
  // reports work done (trackers emit on completion, so otherwise the first item's time would be lost).
  let lastFinished = Date.now();
  let lastPrint = 0;
  let lastStage = '';
  const interval = options.minIntervalMs ?? (io.interactive ? 100 : 5000);
  return (event: ProgressEvent) => {
    const now = Date.now();
    if (!started.has(event.stage)) started.set(event.stage, event.done > 0 ? lastFinished : now);
    const finished = event.done >= event.total;
    if (finished) lastFinished = now;
    // A message from an outer stage between an inner stage's events (fine-tuning's epoch summary between its
    // batches) is printed even inside the interval, or the inner stage's lines would always swallow it.
    const interleaved = event.message !== undefined && event.stage !== lastStage;
    lastStage = event.stage;
    if (!finished && !interleaved && now - lastPrint < interval) return;
    lastPrint = now;
    const line = formatProgress(event, now - started.get(event.stage)!);
    if (io.interactive) io.stderr.write(`\r\x1b[2K${line}${finished ? '\n' : ''}`);
    else io.stderr.write(`${line}\n`);
  };
}

export function formatProgress(event: ProgressEvent, elapsedMs: number): string {
  const fraction = event.total > 0 ? event.done / event.total : 1;
  const width = 24;
  const filled = Math.round(fraction * width);
  const bar = `${'#'.repeat(filled)}${'.'.repeat(width - filled)}`;
  const eta = event.done > 0 && event.done < event.total ? ` eta ${formatSeconds(((event.total - event.done) * elapsedMs) / event.done / 1000)}` : '';
  const message = event.message ? ` ${event.message}` : '';
  return `${event.stage} [${bar}] ${event.done}/${event.total} ${formatSeconds(elapsedMs / 1000)}${eta}${message}`;
}

function formatSeconds(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 1 : 0)}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m${String(Math.round(seconds % 60)).padStart(2, '0')}s`;
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`;
}
