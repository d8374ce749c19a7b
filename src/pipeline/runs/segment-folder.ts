/**
 * A `segment` run folder as a whole: taken under a lock, refused when it holds results of other settings
 * (unless asked to start afresh), every image (runSegmentation), then summary.json rebuilt from the
 * per-image records (so it always agrees with the disk) and run.json with the inputs' checksums.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { invalid, sha256File, sha256Path, writeJsonAtomic, writeRunManifest, type ProgressCallback } from '../../core/index.js';
import type { BackboneKind } from '../../backbone/index.js';
import { ensureCompatibleTokenHead, loadTokenHead } from '../../head/index.js';
import type { PipelineConfig } from '../config/index.js';
import { withClassifier } from '../model/index.js';
import { claimRunIdentity, lockRunFolder, RunStore } from '../runtime/index.js';
import { imageIds, runSegmentation, type SegmentedImage, type SegmentRunSummary } from './segment-run.js';

export interface SegmentFolderOptions {
  readonly outDir: string;
  /** The command line, recorded in run.json. */
  readonly command: string;
  readonly config: PipelineConfig;
  readonly weightsPath: string;
  readonly headPath: string;
  /** The backbone kind expected (`--backbone`); the head decides, and a different one is a ModelMismatchError. */
  readonly backbone?: BackboneKind;
  /** A token head (`explainseg train-token-head`), needed by the 'token-head' explain source. */
  readonly tokenHeadPath?: string;
  /** onnxruntime threads (default the model's). */
  readonly threads?: number;
  /** Replace a folder's results made with other settings instead of refusing (--force-new-config). */
  readonly forceNewConfig?: boolean;
  readonly onProgress?: ProgressCallback;
  readonly onImageDone?: (image: SegmentedImage | { id: string; error: string }) => void;
  readonly postprocessWorkers?: number;
  readonly signal?: AbortSignal;
}

/** Removes what an earlier run of other settings left: its records and its image folders. */
async function clearEarlierRun(outDir: string): Promise<void> {
  const records = await new RunStore<SegmentedImage>(outDir).all();
  await Promise.all(records.map((record) => rm(join(outDir, record.id), { recursive: true, force: true })));
  await rm(join(outDir, 'items'), { recursive: true, force: true });
}

/** The summary the records on disk give: this run's images in input order, then any others the folder holds. */
export async function summaryFromRecords(outDir: string, inputs: { ids: readonly string[]; skipped: number; interrupted?: boolean }): Promise<SegmentRunSummary> {
  const records = await new RunStore<SegmentedImage>(outDir).all();
  const rank = new Map(inputs.ids.map((id, index) => [id, index]));
  const order = (id: string): number => rank.get(id) ?? inputs.ids.length;
  records.sort((a, b) => order(a.id) - order(b.id) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return {
    done: records.filter((r) => r.status === 'ok' && r.result).map((r) => r.result!),
    skipped: inputs.skipped,
    failed: records.filter((r) => r.status === 'failed').map((r) => ({ id: r.id, source: String(r.details?.source ?? ''), message: r.error?.message ?? '' })),
    ...(inputs.interrupted ? { interrupted: true } : {}),
  };
}

/**
 * The lock and the folder's identity are settled before the model loads, so a second process or a clash of
 * settings is reported at once; the run owns the classifier and disposes it.
 *
 * @example const summary = await runSegmentFolder(['a.png'], { outDir: 'out', command: 'explainseg segment a.png', config, weightsPath, headPath });
 */
export async function runSegmentFolder(images: readonly string[], options: SegmentFolderOptions): Promise<SegmentRunSummary> {
  const startedAt = new Date();
  const { outDir, config } = options;
  const lock = await lockRunFolder(outDir);
  try {
    if (config.explain.source === 'token-head' && !options.tokenHeadPath) throw invalid('a token head file (--token-head)', "the 'token-head' explain source", options.tokenHeadPath);
    const identity = {
      weightsSha256: await sha256Path(options.weightsPath), headSha256: await sha256File(options.headPath),
      ...(options.tokenHeadPath ? { tokenHeadSha256: await sha256File(options.tokenHeadPath) } : {}),
    };
    const tokenHead = options.tokenHeadPath ? await loadTokenHead(options.tokenHeadPath) : undefined;
    const { replaced } = await claimRunIdentity(outDir, { config, ...identity }, { forceNew: options.forceNewConfig ?? false });
    if (replaced) await clearEarlierRun(outDir);
    const loadOptions = {
      weightsPath: options.weightsPath, headPath: options.headPath,
      ...(options.backbone ? { backbone: options.backbone } : {}), ...(options.threads ? { threads: options.threads } : {}),
    };
    const run = await withClassifier(loadOptions, (classifier) => {
      if (tokenHead) ensureCompatibleTokenHead(tokenHead, { backboneSha256: classifier.backboneSha256, classes: classifier.head.head.classes });
      return runSegmentation(images, { ...classifier, config, identity, ...(tokenHead ? { tokenHead: tokenHead.head } : {}) }, {
      outDir,
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      ...(options.onImageDone ? { onImageDone: options.onImageDone } : {}),
      ...(options.postprocessWorkers === undefined ? {} : { postprocessWorkers: options.postprocessWorkers }),
      ...(options.signal ? { signal: options.signal } : {}),
      });
    });
    const ids = imageIds(images);
    const summary = await summaryFromRecords(outDir, { ids, skipped: run.skipped, ...(run.interrupted ? { interrupted: true } : {}) });
    await writeJsonAtomic(join(outDir, 'summary.json'), summary);
    await writeRunManifest(outDir, {
      command: options.command, config, seed: config.seed, startedAt,
      inputFiles: Object.fromEntries(images.map((path, index) => [ids[index]!, path]).filter(([id]) => summary.done.some((d) => d.id === id))),
      weightFiles: { backbone: { path: options.weightsPath, sha256: identity.weightsSha256 }, head: options.headPath },
      timingsMs: { total: Date.now() - startedAt.getTime() },
    });
    return summary;
  } finally {
    await lock.release();
  }
}
