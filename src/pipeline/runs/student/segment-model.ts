/**
 * `segment --model DIR` with the fitted student: one forward pass and the fused cues per image, written as a
 * segment run by runModelSegmentFolder (lock, identity, resume, staged image folders).
 */
import { join } from 'node:path';
import { sha256File, sha256Path, type ProgressCallback } from '../../../core/index.js';
import { loadTokenHead } from '../../../head/index.js';
import { withClassifier } from '../../model/index.js';
import { loadStudentModelFile, loadStudentWeights, segmentWithStudent, STUDENT_FILES } from '../../student/index.js';
import { runModelSegmentFolder, type ModelSegmenter } from '../model-segment-folder.js';
import type { SegmentRunSummary } from '../segment-run.js';

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

/** The student of `modelDir` as a ModelSegmenter. */
export async function studentSegmenter(modelDir: string, weights?: string): Promise<ModelSegmenter> {
  const model = await loadStudentModelFile(modelDir);
  const weightsPath = weights ?? model.backbone.weightsPath;
  const headPath = join(modelDir, STUDENT_FILES.head);
  const studentPath = join(modelDir, STUDENT_FILES.student);
  const student = await loadStudentWeights(studentPath);
  const tokenHeadPath = join(modelDir, STUDENT_FILES.tokenHead);
  const tokenHead = (model.student.cues.teacher ?? 0) !== 0 ? (await loadTokenHead(tokenHeadPath)).head : undefined;
  return {
    settings: { student: model.student },
    identity: {
      studentSha256: await sha256File(studentPath), headSha256: await sha256File(headPath), weightsSha256: await sha256Path(weightsPath),
      ...(tokenHead ? { tokenHeadSha256: await sha256File(tokenHeadPath) } : {}),
    },
    weightFiles: { backbone: weightsPath, head: headPath, student: studentPath, ...(tokenHead ? { tokenHead: tokenHeadPath } : {}) },
    open: (use) => withClassifier({ weightsPath, headPath }, (classifier) => use(async (image) => {
      const result = await segmentWithStudent(image, { model: classifier.model, head: classifier.head, student, ...(tokenHead ? { tokenHead } : {}), config: model.student });
      return {
        mask: result.mask, map: result.map, predictedClass: classifier.head.head.classes[result.predictedClass]!,
        probability: result.probabilities[result.predictedClass]!, timingsMs: result.timingsMs,
      };
    })),
  };
}

/** Segment `images` with the student of `modelDir`; resumable like `segment`. */
export async function runStudentSegmentFolder(images: readonly string[], options: SegmentModelOptions): Promise<SegmentRunSummary> {
  const { modelDir, weightsPath, ...rest } = options;
  return runModelSegmentFolder(images, await studentSegmenter(modelDir, weightsPath), rest);
}
