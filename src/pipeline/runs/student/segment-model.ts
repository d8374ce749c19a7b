/**
 * `segment --model DIR`: the fitted student on new images, one forward pass and the fused cues each, writing the
 * files of a segment run (ID/mask.png, map.png, overlay.png, heatmap.png, result.json; items/, summary.json,
 * run.json) under the same lock, identity and resume rules, each image's folder staged and renamed whole.
 */
import { rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { createProgressTracker, sha256File, writeJsonAtomic, writeRunManifest, type ProgressCallback } from '../../../core/index.js';
import { readImageChecked } from '../../../data/index.js';
import { loadTokenHead } from '../../../head/index.js';
import { withClassifier } from '../../model/index.js';
import { claimRunIdentity, lockRunFolder, RunStore, writeSegmentationPngs } from '../../runtime/index.js';
import { loadStudentModelFile, loadStudentWeights, segmentWithStudent, STUDENT_FILES } from '../../student/index.js';
import { summaryFromRecords } from '../segment-folder.js';
import { imageIds, STAGING_DIR, type SegmentedImage, type SegmentRunSummary } from '../segment-run.js';

export interface SegmentModelOptions {
  readonly modelDir: string;
  readonly outDir: string;
  readonly command: string;
  /** Default: the weights model.json names. */
  readonly weightsPath?: string;
  readonly forceNewConfig?: boolean;
  readonly onProgress?: ProgressCallback;
  readonly signal?: AbortSignal;
}

async function publish(staged: string, target: string): Promise<void> {
  await rm(target, { recursive: true, force: true });
  await rename(staged, target);
}

/** Segment `images` with the student of `modelDir`; resumable like `segment`. */
export async function runStudentSegmentFolder(images: readonly string[], options: SegmentModelOptions): Promise<SegmentRunSummary> {
  const startedAt = new Date();
  const { outDir, modelDir } = options;
  const model = await loadStudentModelFile(modelDir);
  const weightsPath = options.weightsPath ?? model.backbone.weightsPath;
  const headPath = join(modelDir, STUDENT_FILES.head);
  const studentPath = join(modelDir, STUDENT_FILES.student);
  const student = await loadStudentWeights(studentPath);
  const tokenHeadPath = join(modelDir, STUDENT_FILES.tokenHead);
  const tokenHead = (model.student.cues.teacher ?? 0) !== 0 ? (await loadTokenHead(tokenHeadPath)).head : undefined;
  const lock = await lockRunFolder(outDir);
  try {
    const identity = {
      studentSha256: await sha256File(studentPath), headSha256: await sha256File(headPath), weightsSha256: await sha256File(weightsPath),
      ...(tokenHead ? { tokenHeadSha256: await sha256File(tokenHeadPath) } : {}),
    };
    const settings = { student: model.student };
    await claimRunIdentity(outDir, { config: settings, ...identity }, { forceNew: options.forceNewConfig ?? false });
    const store = new RunStore<SegmentedImage>(outDir);
    const ids = imageIds(images);
    const progress = createProgressTracker('segment', images.length, options.onProgress);
    let skipped = 0;
    let interrupted = false;
    await rm(join(outDir, STAGING_DIR), { recursive: true, force: true });
    await withClassifier({ weightsPath, headPath }, async (classifier) => {
      for (const [index, source] of images.entries()) {
        if (options.signal?.aborted) {
          interrupted = true;
          break;
        }
        const id = ids[index]!;
        const key = RunStore.keyFor(await sha256File(source), { config: settings, ...identity });
        if (await store.finished(id, key)) {
          skipped++;
          progress.advance(1, id);
          continue;
        }
        try {
          const { image, warnings } = await readImageChecked(source);
          const result = await segmentWithStudent(image, { model: classifier.model, head: classifier.head, student, ...(tokenHead ? { tokenHead } : {}), config: model.student });
          const files = await writeSegmentationPngs(image, result, { outDir: join(outDir, STAGING_DIR), id });
          const record: SegmentedImage = {
            id, source, predictedClass: classifier.head.head.classes[result.predictedClass]!, probability: result.probabilities[result.predictedClass]!,
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
      command: options.command, config: settings, seed: 0, startedAt,
      inputFiles: Object.fromEntries(images.map((path, index) => [ids[index]!, path])),
      weightFiles: { backbone: weightsPath, head: headPath, student: studentPath, ...(tokenHead ? { tokenHead: tokenHeadPath } : {}) }, timingsMs: { total: Date.now() - startedAt.getTime() },
    });
    return summary;
  } finally {
    await lock.release();
  }
}
