/**
 * Resumable stages of a fit: each stage's outputs are written atomically before the stage is recorded in
 * `.fit/stages.json` with a key chained from the settings of it and every stage before it, so a rerun after
 * a kill skips exactly the finished stages whose inputs did not change, and redoes the rest.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createStopwatch, sha256Bytes, writeJsonAtomic } from '../../../core/index.js';
import { stableStringify } from '../../runtime/index.js';

export const FIT_WORK_DIR = '.fit';

export interface FitStageEvent {
  readonly stage: string;
  readonly status: 'started' | 'done' | 'skipped';
  /** Milliseconds the stage took (done) . */
  readonly ms?: number;
}

export class FitStages {
  private key = '';
  private readonly path: string;
  readonly timingsMs: Record<string, number> = {};

  constructor(readonly dir: string, private readonly onStage?: (event: FitStageEvent) => void) {
    this.path = join(dir, FIT_WORK_DIR, 'stages.json');
  }

  private async recorded(): Promise<Record<string, { key: string }>> {
    try {
      return JSON.parse(await readFile(this.path, 'utf8')) as Record<string, { key: string }>;
    } catch {
      return {};
    }
  }

  /**
   * Runs `work` unless the stage is recorded under the same chained key, in which case `load` reads its
   * outputs back. A failing `load` (a file removed by hand) redoes the stage.
   */
  async run<T>(stage: string, settings: unknown, steps: { work: () => Promise<T>; load: () => Promise<T> }): Promise<T> {
    this.key = sha256Bytes(`${this.key}\n${stage}\n${stableStringify(settings)}`);
    const records = await this.recorded();
    if (records[stage]?.key === this.key) {
      const loaded = await steps.load().then((value) => ({ value }), () => undefined);
      if (loaded) {
        this.onStage?.({ stage, status: 'skipped' });
        return loaded.value;
      }
    }
    this.onStage?.({ stage, status: 'started' });
    const clock = createStopwatch();
    const value = await clock.time(stage, () => steps.work());
    const ms = clock.timings[stage]!;
    this.timingsMs[stage] = ms;
    await writeJsonAtomic(this.path, { ...(await this.recorded()), [stage]: { key: this.key, finishedAt: new Date().toISOString() } });
    this.onStage?.({ stage, status: 'done', ms });
    return value;
  }
}
