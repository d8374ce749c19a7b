/**
 * The one stopwatch of the code base: named laps in milliseconds since the previous lap, plus `total`,
 * and `time(name, work)` for a piece of work that is timed on its own. Timings are for reports and
 * benchmarks only; no logic depends on them.
 */
export interface Stopwatch {
  /** Milliseconds per lap or timed piece, and `total` since the stopwatch started. */
  readonly timings: Record<string, number>;
  /** Records the time since the previous lap (or the start) under `name`. */
  lap(name: string): void;
  /** Runs `work` and records its duration under `name` (added to an earlier entry of that name). */
  time<T>(name: string, work: () => Promise<T>): Promise<T>;
  timeSync<T>(name: string, work: () => T): T;
}

/**
 * @example const clock = createStopwatch(); await load(); clock.lap('load'); clock.timings // { load: 12.3, total: 12.3 }
 */
export function createStopwatch(): Stopwatch {
  const timings: Record<string, number> = {};
  const started = performance.now();
  let last = started;
  const record = (name: string, ms: number): void => {
    timings[name] = (timings[name] ?? 0) + ms;
    timings.total = performance.now() - started;
  };
  return {
    timings,
    lap(name) {
      const now = performance.now();
      timings[name] = now - last;
      timings.total = now - started;
      last = now;
    },
    async time(name, work) {
      const at = performance.now();
      try {
        return await work();
      } finally {
        record(name, performance.now() - at);
      }
    },
    timeSync(name, work) {
      const at = performance.now();
      try {
        return work();
      } finally {
        record(name, performance.now() - at);
      }
    },
  };
}
