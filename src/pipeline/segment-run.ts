/**
 * `segment` over many images: resumable (finished images are skipped by the checksum of input + config),
 * every output written atomically, a failing image recorded and the run continued.
 */
import { basename, extname, join } from 'node:path';
import { createProgressTracker, sha256File, writeJsonAtomic, type ProgressCallback } from '../core/index.js';
import { readImage } from '../data/index.js';
import type { PipelineConfig } from './config.js';
import { explainImage, type ExplainContext } from './explain-image.js';
import { createPostprocessPool, type PostprocessPool, type PostprocessResult } from './postprocess-pool.js';
import { RunStore } from './run-store.js';
import { patchKeys } from './segment-image.js';

export interface SegmentedImage {
  readonly id: string;
  readonly source: string;
  readonly predictedClass: string;
  readonly probability: number;
  readonly relativeConvergenceDelta: number;
  readonly foregroundFraction: number;
  readonly files: { mask: string; soft: string; overlay: string; heatmap: string };
  readonly timingsMs: Record<string, number>;
}

export interface SegmentRunSummary {
  readonly done: SegmentedImage[];
  readonly skipped: number;
  readonly failed: { id: string; source: string; message: string }[];
}

/** File stem used as the image id; two inputs with one stem get a numeric suffix so nothing is overwritten. */
export function imageIds(paths: readonly string[]): string[] {
  const seen = new Map<string, number>();
  return paths.map((path) => {
    const stem = basename(path, extname(path));
    const count = seen.get(stem) ?? 0;
    seen.set(stem, count + 1);
    return count === 0 ? stem : `${stem}-${count + 1}`;
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
  },
): Promise<SegmentRunSummary> {
  const store = new RunStore<SegmentedImage>(options.outDir);
  const progress = createProgressTracker('segment', images.length, options.onProgress);
  const ids = imageIds(images);
  const summary: SegmentRunSummary = { done: [], skipped: 0, failed: [] };
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
    const image = await readImage(source);
    const explanation = await explainImage(image, context);
    const { model, config } = context;
    const keys = config.mask.method === 'ncut' && config.mask.ncut.graph === 'patch' ? await patchKeys(context, image) : undefined;
    const map = config.fusion.enabled ? explanation.fused : explanation.relevance.original;
    const job = { image, map, config, grid: { rows: model.rows, cols: model.cols }, output: { outDir: run.outDir, id }, ...(keys ? { keys } : {}) };
    // Only these few fields outlive the hand-over; the explanation's arrays are freed (or moved) here.
    const explained = {
      predictedClass: explanation.className,
      probability: explanation.probabilities[explanation.predictedClass]!,
      relativeConvergenceDelta: explanation.convergence.relativeDelta,
      timingsMs: explanation.timingsMs,
    };
    const outcome = run.pool.run(job)
      .then(async (post) => ({ done: await saveRecord({ id, source, explained, post }, run.outDir) }))
      .catch((error: unknown) => ({ error }));
    return { id, source, key, outcome };
  } catch (error) {
    return { id, source, key, outcome: Promise.resolve({ error }) };
  }
}

type Explained = Pick<SegmentedImage, 'predictedClass' | 'probability' | 'relativeConvergenceDelta' | 'timingsMs'>;

/** result.json of one image, as the one-by-one run wrote it. */
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
  };
  await writeJsonAtomic(join(outDir, id, 'result.json'), record);
  return record;
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
    await run.store.saveFailure(id, key, error);
    run.onImageDone?.({ id, error: message });
  }
}

export function describeConfig(config: PipelineConfig): string {
  const e = config.explain;
  return `IG ${e.method} x${e.nSteps}, NoiseTunnel ${e.ntType} x${e.ntSamples} (stdev ${e.stdevs}), ${config.fusion.enabled ? `fusion with ${config.fusion.feature}` : 'no fusion'}, ${config.mask.method}${config.mask.method === 'ncut' ? ` (${config.mask.ncut.graph} graph)` : ''}, CRF ${config.crf.enabled ? 'on' : 'off'}`;
}
