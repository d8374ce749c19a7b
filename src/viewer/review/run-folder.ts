/**
 * Reading a run folder as `explainseg segment` writes it (RUN/ID/result.json, mask.png, map.png, overlay.png,
 * heatmap.png; RUN/items/ID.json; run.json and summary.json at the end), also while it is still being
 * written: a record whose result.json is not there yet is simply not listed yet, and records are re-read
 * only when their result.json changes. Nothing here writes into the run.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { InputFileError } from '../../core/index.js';
import { CORRECTED_DIR, NON_IMAGE_FOLDERS } from '../../data/index.js';

/** What the viewer reads of a result.json (the pipeline's SegmentedImage, restated structurally). */
export interface RunRecord {
  readonly id: string;
  readonly source: string;
  readonly predictedClass: string;
  readonly probability: number;
  readonly foregroundFraction: number;
  /** Paths relative to the run folder. */
  readonly files: { readonly mask: string; readonly soft: string; readonly overlay: string; readonly heatmap: string };
  /** Folder name of the source's dataset ('kvasir-seg' for .../kvasir-seg/images/x.jpg). */
  readonly dataset: string;
  /** result.json's modification time (ms), part of the run's version. */
  readonly modifiedMs: number;
}

export interface RunSnapshot {
  readonly dir: string;
  readonly name: string;
  readonly records: ReadonlyMap<string, RunRecord>;
  readonly failed: readonly { id: string; message: string }[];
  /** summary.json exists and is newer than every record: the run has finished. */
  readonly complete: boolean;
  /** The resolved config from run.json (undefined while the run is still being written). */
  readonly config: { readonly fusion?: { readonly enabled?: boolean }; readonly crf?: Record<string, unknown> & { readonly enabled?: boolean } } | undefined;
  /** Changes whenever a record, a correction or the run's end appears or changes. */
  readonly version: string;
}


async function isFile(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isFile() ?? false;
}

async function hasRecords(dir: string): Promise<boolean> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  if (entries.some((entry) => entry.isFile() && entry.name === 'run.json')) return true;
  for (const entry of entries) if (entry.isDirectory() && !NON_IMAGE_FOLDERS.has(entry.name) && (await isFile(join(dir, entry.name, 'result.json')))) return true;
  return entries.some((entry) => entry.isDirectory() && entry.name === 'items');
}

/**
 * The run folder for a path a user gives: the folder itself, or for a demo's output (OUT or OUT/report)
 * its OUT/images. Throws InputFileError when none of them holds a run.
 */
export async function resolveRunDir(dir: string): Promise<string> {
  const root = resolve(dir);
  const info = await stat(root).catch(() => undefined);
  if (!info?.isDirectory()) throw new InputFileError(dir, info ? 'is a file, not a run folder' : 'missing (no such folder)');
  for (const candidate of [root, join(root, 'images'), join(dirname(root), 'images')]) {
    if (await hasRecords(candidate)) return candidate;
  }
  throw new InputFileError(dir, 'is not a run folder (no ID/result.json, items/ or run.json; expected the --out folder of explainseg segment or demo)');
}

/** A display name: the folder's name, or the demo folder's for OUT/images. */
export function runName(runDir: string): string {
  const name = basename(runDir);
  return name === 'images' ? basename(dirname(runDir)) : name;
}

/** Dataset of a source image: the folder above images/ (or masks/), else the image's own folder. */
export function datasetOfSource(source: string): string {
  const folder = dirname(source);
  const name = basename(folder);
  return ['images', 'image', 'imgs', 'img'].includes(name.toLowerCase()) ? basename(dirname(folder)) : name;
}

/** Re-reads a run folder cheaply: one readdir and a stat per image; result.json only when it changed. */
export class RunReader {
  private readonly cache = new Map<string, RunRecord>();
  private readonly items = new Map<string, { modifiedMs: number; failure: { id: string; message: string } | null }>();

  constructor(readonly dir: string) {}

  async snapshot(): Promise<RunSnapshot> {
    const records = await this.readRecords();
    const failed = (await this.readFailures()).filter((failure) => !records.has(failure.id));
    const config = await readConfig(this.dir);
    const summaryMs = (await stat(join(this.dir, 'summary.json')).catch(() => undefined))?.mtimeMs;
    const newest = Math.max(0, ...[...records.values()].map((record) => record.modifiedMs));
    const complete = summaryMs !== undefined && summaryMs >= newest;
    const correctedMs = await folderVersion(join(this.dir, CORRECTED_DIR));
    const version = `${records.size}:${newest}:${failed.length}:${complete}:${correctedMs}`;
    return { dir: this.dir, name: runName(this.dir), records, failed, complete, config, version };
  }

  private async readRecords(): Promise<Map<string, RunRecord>> {
    const entries = await readdir(this.dir, { withFileTypes: true }).catch(() => []);
    const records = new Map<string, RunRecord>();
    for (const entry of entries.filter((e) => e.isDirectory() && !NON_IMAGE_FOLDERS.has(e.name) && !e.name.startsWith('.')).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const record = await this.readRecord(entry.name);
      if (record) records.set(record.id, record);
    }
    return records;
  }

  /** Images recorded as failed in items/ (an item file is read again only when it changed). */
  private async readFailures(): Promise<{ id: string; message: string }[]> {
    const names = await readdir(join(this.dir, 'items')).catch(() => [] as string[]);
    const failed: { id: string; message: string }[] = [];
    for (const name of names.filter((n) => n.endsWith('.json') && !n.startsWith('.')).sort()) {
      const path = join(this.dir, 'items', name);
      const modifiedMs = (await stat(path).catch(() => undefined))?.mtimeMs ?? 0;
      let cached = this.items.get(name);
      if (!cached || cached.modifiedMs !== modifiedMs) {
        cached = { modifiedMs, failure: parseFailure(await readFile(path, 'utf8').catch(() => '')) };
        this.items.set(name, cached);
      }
      if (cached.failure) failed.push(cached.failure);
    }
    return failed;
  }

  private async readRecord(folder: string): Promise<RunRecord | undefined> {
    const path = join(this.dir, folder, 'result.json');
    const modifiedMs = (await stat(path).catch(() => undefined))?.mtimeMs;
    if (modifiedMs === undefined) return undefined;
    const cached = this.cache.get(folder);
    if (cached && cached.modifiedMs === modifiedMs) return cached;
    const record = parseRecord(await readFile(path, 'utf8').catch(() => ''), folder, modifiedMs);
    if (record) this.cache.set(folder, record);
    return record;
  }
}

/** A result.json as a record, or undefined when it is unreadable or its id is not its folder's name. */
export function parseRecord(text: string, folder: string, modifiedMs: number): RunRecord | undefined {
  let json: Partial<RunRecord> & { files?: Partial<RunRecord['files']> };
  try {
    json = JSON.parse(text) as typeof json;
  } catch {
    return undefined;
  }
  if (json.id !== folder || typeof json.source !== 'string') return undefined;
  const files = {
    mask: `${folder}/mask.png`, soft: `${folder}/map.png`, overlay: `${folder}/overlay.png`, heatmap: `${folder}/heatmap.png`,
  };
  return {
    id: folder, source: json.source, files, dataset: datasetOfSource(json.source), modifiedMs,
    predictedClass: typeof json.predictedClass === 'string' ? json.predictedClass : '',
    probability: typeof json.probability === 'number' ? json.probability : Number.NaN,
    foregroundFraction: typeof json.foregroundFraction === 'number' ? json.foregroundFraction : Number.NaN,
  };
}

/** An items/ID.json record of a failed image, or null (finished, or unreadable while being written). */
function parseFailure(text: string): { id: string; message: string } | null {
  try {
    const item = JSON.parse(text) as { id?: string; status?: string; error?: { message?: string } };
    return item.status === 'failed' && typeof item.id === 'string' ? { id: item.id, message: item.error?.message ?? 'failed' } : null;
  } catch {
    return null;
  }
}

async function readConfig(dir: string): Promise<RunSnapshot['config']> {
  try {
    const manifest = JSON.parse(await readFile(join(dir, 'run.json'), 'utf8')) as { config?: RunSnapshot['config'] };
    return typeof manifest.config === 'object' && manifest.config !== null ? manifest.config : undefined;
  } catch {
    return undefined;
  }
}

/** The newest modification time in a folder (0 when it is missing), so new corrections change the version. */
async function folderVersion(dir: string): Promise<string> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const times = await Promise.all(names.map(async (name) => (await stat(join(dir, name)).catch(() => undefined))?.mtimeMs ?? 0));
  return `${names.length}/${Math.max(0, ...times)}`;
}
