/**
 * `segment --model DIR` for any kind of model folder (the student of `fit`, a MICRA-Net of `fit --method
 * micranet`): the files of a segment run (ID/mask.png, map.png, overlay.png, heatmap.png, result.json;
 * items/, summary.json, run.json) under the same lock, identity and resume rules as `segment`, each image's
 * folder staged and renamed whole. The model kind supplies only its identity and a per-image segmenter.
 */
import { readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { createProgressTracker, InputFileError, sha256File, writeJsonAtomic, writeRunManifest, type ImageTensor, type Mask, type ProgressCallback, type ScalarMap } from '../../core/index.js';
import { readImageChecked } from '../../data/index.js';
import { claimRunIdentity, lockRunFolder, RunStore, writeSegmentationPngs } from '../runtime/index.js';
import { summaryFromRecords } from './segment-folder.js';
import { imageIds, STAGING_DIR, type SegmentedImage, type SegmentRunSummary } from './segment-run.js';

export interface ModelSegmentOptions {
  readonly outDir: string;
  readonly command: string;
  readonly forceNewConfig?: boolean;
  readonly onProgress?: ProgressCallback;
  readonly signal?: AbortSignal;
}

export interface ModelSegmentation {
  readonly mask: Mask;
  /** The soft map written as map.png and heatmap.png, at the image size. */
  readonly map: ScalarMap;
  readonly predictedClass: string;
  readonly probability: number;
  readonly timingsMs: Record<string, number>;
}

export interface ModelSegmenter {
  /** The settings recorded with every result (a changed setting is a new run). */
  readonly settings: unknown;
  /** Checksums of every file the masks depend on, by role. */
  readonly identity: Record<string, string>;
  /** The files run.json lists, by role. */
  readonly weightFiles: Record<string, string>;
  /** Loads the model, hands `use` the per-image segmenter and disposes the model afterwards. */
  readonly open: (use: (segment: (image: ImageTensor) => Promise<ModelSegmentation>) => Promise<void>) => Promise<void>;
}

/** The kinds of model folder `fit` writes, by the `kind` of their model.json. */
export const MODEL_FOLDER_KINDS = ['explainseg-student', 'micranet'] as const;
export type ModelFolderKind = (typeof MODEL_FOLDER_KINDS)[number];

/** The kind a model folder's model.json declares; a missing, unreadable or unknown one is an InputFileError naming the file. */
export async function readModelFolderKind(dir: string): Promise<ModelFolderKind> {
  const path = join(dir, 'model.json');
  const text = await readFile(path, 'utf8').catch((error: unknown) => {
    throw new InputFileError(path, 'missing or unreadable: not a model folder written by `explainseg fit`', { cause: error });
  });
  let kind: unknown;
  try {
    kind = (JSON.parse(text) as { kind?: unknown }).kind;
  } catch (error) {
    throw new InputFileError(path, `is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
  if (!(MODEL_FOLDER_KINDS as readonly unknown[]).includes(kind)) throw new InputFileError(path, `expected a kind of ${MODEL_FOLDER_KINDS.join(' or ')} but received ${JSON.stringify(kind)}`);
  return kind as ModelFolderKind;
}

async function publish(staged: string, target: string): Promise<void> {
  await rm(target, { recursive: true, force: true });
  await rename(staged, target);
}

/** Segment `images` with `segmenter`; resumable like `segment`, one process per folder. */
export async function runModelSegmentFolder(images: readonly string[], segmenter: ModelSegmenter, options: ModelSegmentOptions): Promise<SegmentRunSummary> {
  const startedAt = new Date();
  const { outDir } = options;
  const lock = await lockRunFolder(outDir);
  try {
    const identity = { config: segmenter.settings, ...segmenter.identity };
    await claimRunIdentity(outDir, identity, { forceNew: options.forceNewConfig ?? false });
    const store = new RunStore<SegmentedImage>(outDir);
    const ids = imageIds(images);
    const progress = createProgressTracker('segment', images.length, options.onProgress);
    let skipped = 0;
    let interrupted = false;
    await rm(join(outDir, STAGING_DIR), { recursive: true, force: true });
    await segmenter.open(async (segment) => {
      for (const [index, source] of images.entries()) {
        if (options.signal?.aborted) {
          interrupted = true;
          break;
        }
        const id = ids[index]!;
        const key = RunStore.keyFor(await sha256File(source), identity);
        if (await store.finished(id, key)) {
          skipped++;
          progress.advance(1, id);
          continue;
        }
        try {
          const { image, warnings } = await readImageChecked(source);
          const result = await segment(image);
          const files = await writeSegmentationPngs(image, result, { outDir: join(outDir, STAGING_DIR), id });
          const record: SegmentedImage = {
            id, source, predictedClass: result.predictedClass, probability: result.probability,
            relativeConvergenceDelta: 0, foregroundFraction: result.mask.data.reduce((sum, v) => sum + v, 0) / result.mask.data.length,
            files, timingsMs: result.timingsMs, ...(warnings.length > 0 ? { warnings } : {}),
          };
          await writeJsonAtomic(join(outDir, STAGING_DIR, id, 'result.json'), record);
          await publish(join(outDir, STAGING_DIR, id), join(outDir, id));
          await store.saveResult(id, key, record);
        } catch (error) {
          await store.saveFailure(id, key, error, { source });
        }
        progress.advance(1, id);
      }
    });
    const summary = await summaryFromRecords(outDir, { ids, skipped, ...(interrupted ? { interrupted: true } : {}) });
    await writeJsonAtomic(join(outDir, 'summary.json'), summary);
    await writeRunManifest(outDir, {
      command: options.command, config: segmenter.settings, seed: 0, startedAt,
      inputFiles: Object.fromEntries(images.map((path, index) => [ids[index]!, path])),
      weightFiles: segmenter.weightFiles, timingsMs: { total: Date.now() - startedAt.getTime() },
    });
    return summary;
  } finally {
    await lock.release();
  }
}
