/**
 * `segment` over many images: resumable (finished images are skipped by the checksum of input + config),
 * every image's files written into a staging folder and renamed into place whole (a reader never sees half
 * an image), a failing image recorded and the run continued, an abort (Ctrl-C) ending after the images in
 * flight are written.
 */
import { rename, rm } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { createProgressTracker, sha256File, writeJsonAtomic, type ProgressCallback } from '../../core/index.js';
import { readImageChecked } from '../../data/index.js';
import { explainForCut, type ExplainContext } from '../method/index.js';
import { createPostprocessPool, RunStore, type PostprocessPool, type PostprocessResult } from '../runtime/index.js';

export interface SegmentedImage {
  readonly id: string;
  readonly source: string;
  readonly predictedClass: string;
  readonly probability: number;
  readonly relativeConvergenceDelta: number;
  readonly foregroundFraction: number;
  readonly files: { mask: string; soft: string; overlay: string; heatmap: string };
  readonly timingsMs: Record<string, number>;
  /** What reading the image warned about (a tiny image, transparency composited onto black, ...). */
  readonly warnings?: readonly string[];
}

export interface SegmentRunSummary {
  readonly done: SegmentedImage[];
  readonly skipped: number;
  readonly failed: { id: string; source: string; message: string }[];
  /** True when the run was aborted (Ctrl-C) before every image was started; running again resumes. */
  readonly interrupted?: boolean;
}

/** Names an image folder may not take: the run's own record folders. */
export const RESERVED_IDS: ReadonlySet<string> = new Set(['items', 'corrected', 'explanations', 'masks', 'report']);
/** Where an image's files are written before its folder is renamed into place (hidden: ids never start with '.'). */
export const STAGING_DIR = '.staging';

/** A file stem made safe as a folder name: no separators or odd characters, no '.'/'..', not hidden, not reserved. */
export function safeId(stem: string): string {
  let id = stem.normalize('NFC').replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, (dots) => '_'.repeat(dots.length));
  if (id === '') id = 'image';
  if (RESERVED_IDS.has(id.toLowerCase())) id = `${id}-image`;
  return id.slice(0, 120);
}

/**
 * Image ids from file stems, safe as folder names (safeId) and unique: two inputs with one stem (a/x.png and
 * b/x.png), or stems equal but for case, get a numeric suffix so nothing is overwritten.
 */
export function imageIds(paths: readonly string[]): string[] {
  const taken = new Set<string>();
  return paths.map((path) => {
    const stem = safeId(basename(path, extname(path)));
    let id = stem;
    for (let n = 2; taken.has(id.toLowerCase()); n++) id = `${stem}-${n}`;
    taken.add(id.toLowerCase());
    return id;
  });
}

/** Images held at once by a pipelined run: one post-processed on a worker while the next is explained. */
const MAX_IMAGES_IN_FLIGHT = 2;

/** An image after the main thread's part: skipped, failed, or a record waiting on its post-processing. */
interface ImageInFlight {
  readonly id: string;
  readonly source: string;
  readonly key: string;
  readonly outcome: Promise<{ skipped?: SegmentedImage; done?: SegmentedImage; error?: unknown }>;
}

/**
 * A two-stage pipeline: the main thread explains image i+1 (onnxruntime) while a worker thread cuts, refines
 * and writes image i (`postprocessWorkers`, default 1; 0 runs everything on this thread, one image after the
 * other). Results, files and the order of records and callbacks are those of the one-by-one run.
 */
export async function runSegmentation(
  images: readonly string[],
  context: ExplainContext & { identity: Record<string, string> },
  options: {
    outDir: string;
    onProgress?: ProgressCallback;
    onImageDone?: (image: SegmentedImage | { id: string; error: string }) => void;
    postprocessWorkers?: number;
    /** Aborting stops starting new images; the ones in flight are finished and recorded. */
    signal?: AbortSignal;
  },
): Promise<SegmentRunSummary> {
  const store = new RunStore<SegmentedImage>(options.outDir);
  const progress = createProgressTracker('segment', images.length, options.onProgress);
  const ids = imageIds(images);
  const summary: SegmentRunSummary = { done: [], skipped: 0, failed: [] };
  await rm(join(options.outDir, STAGING_DIR), { recursive: true, force: true }); // what a killed run left half written
  const pool = createPostprocessPool({ workers: options.postprocessWorkers ?? 1 });
  const window = pool.inProcess ? 1 : MAX_IMAGES_IN_FLIGHT;
  const inFlight: ImageInFlight[] = [];
  const finishOldest = async (): Promise<void> => {
    const image = inFlight.shift()!;
    await finishImage(image, { store, summary, onImageDone: options.onImageDone });
    progress.advance(1, image.id);
  };
  try {
    for (const [index, source] of images.entries()) {
      if (options.signal?.aborted) {
        (summary as { interrupted: boolean }).interrupted = true;
        break;
      }
      inFlight.push(await startImage(source, ids[index]!, { context, store, pool, outDir: options.outDir }));
      while (inFlight.length >= window) await finishOldest();
    }
    while (inFlight.length > 0) await finishOldest();
  } finally {
    await pool.close();
  }
  return summary;
}

/** The main thread's part: resume check, read, explain (and keys), then hand the rest to the pool. */
async function startImage(
  source: string,
  id: string,
  run: { context: ExplainContext & { identity: Record<string, string> }; store: RunStore<SegmentedImage>; pool: PostprocessPool; outDir: string },
): Promise<ImageInFlight> {
  let key = '';
  try {
    const { context } = run;
    key = RunStore.keyFor(await sha256File(source), { config: context.config, ...context.identity });
    const finished = await run.store.finished(id, key);
    if (finished) return { id, source, key, outcome: Promise.resolve({ skipped: finished.result! }) };
    const { image, warnings } = await readImageChecked(source);
    const { explanation, cut } = await explainForCut(image, context);
    const { model, config } = context;
    const job = { image, ...cut, config, grid: { rows: model.rows, cols: model.cols }, output: { outDir: join(run.outDir, STAGING_DIR), id } };
    // Only these few fields outlive the hand-over; the explanation's arrays are freed (or moved) here.
    const explained = {
      predictedClass: explanation.className,
      probability: explanation.probabilities[explanation.predictedClass]!,
      relativeConvergenceDelta: explanation.convergence.relativeDelta,
      timingsMs: explanation.timingsMs,
      ...(warnings.length > 0 ? { warnings } : {}),
    };
    const outcome = run.pool.run(job)
      .then(async (post) => ({ done: await saveRecord({ id, source, explained, post }, run.outDir) }))
      .catch((error: unknown) => ({ error }));
    return { id, source, key, outcome };
  } catch (error) {
    return { id, source, key, outcome: Promise.resolve({ error }) };
  }
}

type Explained = Pick<SegmentedImage, 'predictedClass' | 'probability' | 'relativeConvergenceDelta' | 'timingsMs' | 'warnings'>;

/**
 * result.json of one image into its staging folder, then the folder renamed into place whole; an older
 * folder of the same id (a re-run under a changed config) is moved aside first and removed after.
 */
async function saveRecord(
  parts: { id: string; source: string; explained: Explained; post: PostprocessResult },
  outDir: string,
): Promise<SegmentedImage> {
  const { id, source, explained, post } = parts;
  const record: SegmentedImage = {
    id,
    source,
    predictedClass: explained.predictedClass,
    probability: explained.probability,
    relativeConvergenceDelta: explained.relativeConvergenceDelta,
    foregroundFraction: post.foregroundFraction,
    files: post.files!,
    timingsMs: { ...explained.timingsMs, ...post.timingsMs },
    ...(explained.warnings ? { warnings: explained.warnings } : {}),
  };
  await writeJsonAtomic(join(outDir, STAGING_DIR, id, 'result.json'), record);
  await publishFolder(join(outDir, STAGING_DIR, id), join(outDir, id));
  return record;
}

async function publishFolder(staged: string, target: string): Promise<void> {
  const aside = `${target}.${process.pid}.old`;
  await rm(aside, { recursive: true, force: true });
  await rename(target, aside).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT') throw error;
  });
  await rename(staged, target);
  await rm(aside, { recursive: true, force: true });
}

/** The main thread's last part, in input order: record the result or the failure and tell the caller. */
async function finishImage(
  image: ImageInFlight,
  run: { store: RunStore<SegmentedImage>; summary: SegmentRunSummary; onImageDone?: (image: SegmentedImage | { id: string; error: string }) => void },
): Promise<void> {
  const { id, source, key } = image;
  const { summary } = run;
  const outcome = await image.outcome;
  try {
    if (outcome.error !== undefined) throw outcome.error;
    if (outcome.skipped) {
      summary.done.push(outcome.skipped);
      (summary as { skipped: number }).skipped += 1;
      return;
    }
    await run.store.saveResult(id, key, outcome.done!);
    summary.done.push(outcome.done!);
    run.onImageDone?.(outcome.done!);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    summary.failed.push({ id, source, message });
    await run.store.saveFailure(id, key, error, { source });
    run.onImageDone?.({ id, error: message });
  }
}
