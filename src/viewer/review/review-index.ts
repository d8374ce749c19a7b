/**
 * The data behind the review page and the report: one or more run folders read side by side on their
 * image ids, ground truth from a `--gt` folder (or a demo's RUN/ID/truth.png), per-image scores and the
 * per-run summary. Every picture is addressed by (run, image id, layer) and resolved here to a file the
 * run names (its own files, its record's source image, the matched ground truth), never to a path taken
 * from a request.
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ensure } from '../../core/index.js';
import { CORRECTED_DIR, correctedMaskFile } from '../../data/index.js';
import { resolveRunDir, RunReader, type RunRecord, type RunSnapshot } from './run-folder.js';
import { findGroundTruth, groundTruthIndex, ScoreCache, type MaskScore } from './scores.js';
import { runMetrics, type RunMetrics, type ScoredEntry } from './summary.js';

export const LAYERS = ['image', 'gt', 'mask', 'heatmap', 'fused', 'corrected'] as const;
export type LayerName = (typeof LAYERS)[number];

export interface RunInfo {
  readonly index: number;
  readonly name: string;
  readonly dir: string;
  readonly images: number;
  readonly failed: readonly { id: string; message: string }[];
  readonly complete: boolean;
  readonly fusion: boolean;
}

export interface RunImage {
  readonly run: number;
  readonly predictedClass: string;
  readonly probability: number | null;
  readonly foregroundFraction: number | null;
  readonly iou: number | null;
  readonly dice: number | null;
  readonly corrected: { readonly iou: number | null; readonly dice: number | null } | null;
  readonly layers: readonly LayerName[];
}

export interface ImageRow {
  readonly id: string;
  readonly dataset: string;
  /** Foreground fraction of the ground truth, null without one. */
  readonly trueFraction: number | null;
  /** One entry per run, in run order; null where the run has no such image (yet). */
  readonly runs: readonly (RunImage | null)[];
}

const orNull = (value: number | undefined): number | null => (value !== undefined && Number.isFinite(value) ? value : null);

async function exists(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isFile() ?? false;
}

export class ReviewIndex {
  private readonly scores = new ScoreCache();
  private snapshots: RunSnapshot[] = [];
  private corrected: Set<string>[] = [];
  private readonly sources = new Map<string, boolean>();

  private truth: ReadonlyMap<string, string> = new Map();
  private truthVersion: number | undefined;

  private constructor(private readonly readers: readonly RunReader[], private readonly gtDir: string | undefined) {}

  /** Resolves each folder (a segment run, or a demo's output) and indexes the ground-truth folder. */
  static async open(dirs: readonly string[], options: { gtDir?: string } = {}): Promise<ReviewIndex> {
    ensure(dirs.length > 0, 'at least one run folder', 'the review', dirs.length);
    const runDirs = await Promise.all(dirs.map(resolveRunDir));
    if (options.gtDir !== undefined) await groundTruthIndex(options.gtDir);
    const index = new ReviewIndex(runDirs.map((dir) => new RunReader(dir)), options.gtDir);
    await index.refresh();
    return index;
  }

  get runCount(): number {
    return this.readers.length;
  }

  /** Re-reads every run (cheap when nothing changed) and returns the combined version. */
  async refresh(): Promise<string> {
    await this.refreshTruth();
    this.snapshots = await Promise.all(this.readers.map((reader) => reader.snapshot()));
    this.corrected = await Promise.all(this.snapshots.map(async (run) => {
      const names = await readdir(join(run.dir, CORRECTED_DIR)).catch(() => [] as string[]);
      return new Set(names.filter((n) => n.endsWith('.png') && !n.startsWith('.')).map((n) => n.slice(0, -4)));
    }));
    return this.version;
  }

  /** Re-indexes the ground-truth folder when it changed (masks may arrive while a run is reviewed). */
  private async refreshTruth(): Promise<void> {
    if (this.gtDir === undefined) return;
    const modifiedMs = (await stat(this.gtDir).catch(() => undefined))?.mtimeMs;
    if (modifiedMs === this.truthVersion) return;
    this.truth = await groundTruthIndex(this.gtDir).catch(() => new Map<string, string>());
    this.truthVersion = modifiedMs;
  }

  get version(): string {
    return [...this.snapshots.map((run) => run.version), `gt:${this.truthVersion ?? ''}`].join('|');
  }

  snapshot(run: number): RunSnapshot | undefined {
    return this.snapshots[run];
  }

  record(run: number, id: string): RunRecord | undefined {
    return this.snapshots[run]?.records.get(id);
  }

  runs(): RunInfo[] {
    return this.snapshots.map((run, index) => ({
      index, name: run.name, dir: run.dir, images: run.records.size, failed: run.failed, complete: run.complete,
      fusion: run.config?.fusion?.enabled === true,
    }));
  }

  /** Image ids in order of first appearance over the runs. */
  ids(): string[] {
    const ids = new Set<string>();
    for (const run of this.snapshots) for (const id of run.records.keys()) ids.add(id);
    return [...ids];
  }

  /** The ground-truth file of an image: the --gt folder first, then any run's truth.png. */
  async groundTruthPath(id: string): Promise<string | undefined> {
    const fromFolder = findGroundTruth(this.truth, id);
    if (fromFolder) return fromFolder;
    for (const run of this.snapshots) {
      const path = join(run.dir, id, 'truth.png');
      if (run.records.has(id) && (await exists(path))) return path;
    }
    return undefined;
  }

  async images(): Promise<ImageRow[]> {
    const rows: ImageRow[] = [];
    for (const id of this.ids()) rows.push(await this.imageRow(id));
    return rows;
  }

  async imageRow(id: string): Promise<ImageRow> {
    const gt = await this.groundTruthPath(id);
    const runs = await Promise.all(this.snapshots.map((_run, index) => this.runImage(index, id, gt)));
    const first = this.snapshots.map((run) => run.records.get(id)).find((r) => r !== undefined);
    return { id, dataset: first?.dataset ?? '', trueFraction: gt ? orNull(await this.scores.trueFraction(gt)) : null, runs };
  }

  private async runImage(run: number, id: string, gt: string | undefined): Promise<RunImage | null> {
    const record = this.record(run, id);
    if (!record) return null;
    const hasCorrection = this.corrected[run]!.has(id);
    const { own, fixed } = await this.scoresOf(run, record, gt);
    return {
      run, predictedClass: record.predictedClass, probability: orNull(record.probability), foregroundFraction: orNull(record.foregroundFraction),
      iou: orNull(own?.iou), dice: orNull(own?.dice),
      corrected: hasCorrection ? { iou: orNull(fixed?.iou), dice: orNull(fixed?.dice) } : null,
      layers: await this.layersOf(run, record, { gt: gt !== undefined, corrected: hasCorrection }),
    };
  }

  private async layersOf(run: number, record: RunRecord, has: { gt: boolean; corrected: boolean }): Promise<LayerName[]> {
    const layers: LayerName[] = [];
    if (await this.sourceExists(record.source)) layers.push('image');
    if (has.gt) layers.push('gt');
    layers.push('mask', 'heatmap');
    if (this.snapshots[run]!.config?.fusion?.enabled === true) layers.push('fused');
    if (has.corrected) layers.push('corrected');
    return layers;
  }

  private async sourceExists(source: string): Promise<boolean> {
    const known = this.sources.get(source);
    if (known !== undefined) return known;
    const found = await exists(source);
    this.sources.set(source, found);
    return found;
  }

  /** The file behind a layer of an image in a run, or undefined when there is none. */
  async layerFile(run: number, id: string, layer: LayerName): Promise<string | undefined> {
    const record = this.record(run, id);
    if (!record) return undefined;
    const dir = this.snapshots[run]!.dir;
    switch (layer) {
      case 'image': return (await exists(record.source)) ? record.source : undefined;
      case 'gt': return this.groundTruthPath(id);
      case 'mask': return join(dir, record.files.mask);
      case 'heatmap': return join(dir, record.files.heatmap);
      case 'fused': return join(dir, record.files.soft);
      case 'corrected': return (await exists(correctedMaskFile(dir, id))) ? correctedMaskFile(dir, id) : undefined;
    }
  }

  /** The summary row of every run (images without ground truth count as listed, not scored). */
  async summary(options: { resamples?: number } = {}): Promise<RunMetrics[]> {
    const truths = new Map<string, string | undefined>();
    for (const id of this.ids()) truths.set(id, await this.groundTruthPath(id));
    return Promise.all(this.snapshots.map(async (run, index) => {
      const entries: ScoredEntry[] = [];
      for (const record of run.records.values()) {
        const { own, fixed } = await this.scoresOf(index, record, truths.get(record.id));
        entries.push({ id: record.id, ...(own ? { counts: own.counts } : {}), ...(fixed ? { correctedCounts: fixed.counts } : {}) });
      }
      return runMetrics({ index, name: run.name }, entries, options);
    }));
  }

  /** The run's own mask and its accepted correction (when there is one) against the ground truth. */
  private async scoresOf(run: number, record: RunRecord, gt: string | undefined): Promise<{ own?: MaskScore; fixed?: MaskScore }> {
    if (!gt) return {};
    const dir = this.snapshots[run]!.dir;
    const own = await this.scores.score(join(dir, record.files.mask), gt);
    const fixed = this.corrected[run]!.has(record.id) ? await this.scores.score(correctedMaskFile(dir, record.id), gt) : undefined;
    return { ...(own ? { own } : {}), ...(fixed ? { fixed } : {}) };
  }
}
