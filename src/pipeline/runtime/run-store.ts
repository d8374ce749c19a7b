import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sha256Bytes, writeJsonAtomic } from '../../core/io/files.js';

/**
 * Resumable per-item results of a long run (segment, evaluate, compare). Each finished item has a
 * `<dir>/items/<id>.json` holding the key it was computed under: SHA-256 of the input file plus the resolved
 * config. An interrupted run started again skips items whose key still matches and redoes the rest; a change
 * of config or input invalidates exactly the items it touches. Files are written atomically, so a kill
 * leaves either a whole record or none.
 */
export interface ItemRecord<T> {
  readonly id: string;
  readonly key: string;
  readonly status: 'ok' | 'failed';
  readonly result?: T;
  readonly error?: { code: string; message: string };
  /** What a failure record keeps besides the error (e.g. the input's path). */
  readonly details?: Readonly<Record<string, unknown>>;
}

export class RunStore<T> {
  constructor(readonly dir: string) {}

  static keyFor(inputSha256: string, config: unknown): string {
    return sha256Bytes(`${inputSha256}\n${stableStringify(config)}`);
  }

  private pathFor(id: string): string {
    return join(this.dir, 'items', `${encodeURIComponent(id)}.json`);
  }

  /** The finished record for `id` under `key`, or undefined when it must be (re)computed. Failures are retried. */
  async finished(id: string, key: string): Promise<ItemRecord<T> | undefined> {
    try {
      const record = JSON.parse(await readFile(this.pathFor(id), 'utf8')) as ItemRecord<T>;
      return record.key === key && record.status === 'ok' ? record : undefined;
    } catch {
      return undefined;
    }
  }

  async saveResult(id: string, key: string, result: T): Promise<void> {
    await writeJsonAtomic(this.pathFor(id), { id, key, status: 'ok', result } satisfies ItemRecord<T>);
  }

  async saveFailure(id: string, key: string, error: unknown, details?: Readonly<Record<string, unknown>>): Promise<void> {
    const code = (error as { code?: string })?.code ?? 'E_UNEXPECTED';
    const message = error instanceof Error ? error.message : String(error);
    await writeJsonAtomic(this.pathFor(id), { id, key, status: 'failed', error: { code, message }, ...(details ? { details } : {}) } satisfies ItemRecord<T>);
  }

  /**
   * The finished result of `id` under `key`, or else `compute()`'s, saved; a throw is saved as a failure
   * (retried by the next run) and returned as its message, so one bad item never ends the run.
   */
  async settle(id: string, key: string, compute: () => Promise<T>): Promise<{ result: T } | { error: string }> {
    try {
      const finished = (await this.finished(id, key))?.result;
      if (finished !== undefined) return { result: finished };
      const result = await compute();
      await this.saveResult(id, key, result);
      return { result };
    } catch (error) {
      await this.saveFailure(id, key, error);
      return { error: error instanceof Error ? error.message : String(error) };
    }
  }

  /** Every record on disk (finished and failed, whatever their key), in file-name order. */
  async all(): Promise<ItemRecord<T>[]> {
    const names = await readdir(join(this.dir, 'items')).catch(() => [] as string[]);
    const records = await Promise.all(names.filter((name) => name.endsWith('.json') && !name.startsWith('.')).sort().map(async (name) => {
      try {
        return JSON.parse(await readFile(join(this.dir, 'items', name), 'utf8')) as ItemRecord<T>;
      } catch {
        return undefined;
      }
    }));
    return records.filter((record): record is ItemRecord<T> => record !== undefined);
  }
}

/** JSON with object keys sorted, so equal configs hash equally whatever order their keys were written in. */
export function stableStringify(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableStringify(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
