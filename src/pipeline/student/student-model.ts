/**
 * A fitted student in memory and on disk: model.json (kind 'explainseg-student', the fit's config, the
 * backbone's identity, the files and the metrics), head.json (the CLS head, which also gives the paper's four
 * variants), student.json (the per-token head with its feature settings) and teacher/token-head.json.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InputFileError, writeJsonAtomic } from '../../core/index.js';
import { studentHeadFromJson, studentHeadToJson, type StudentHead } from '../../head/index.js';
import type { StudentConfig } from './config.js';

export const STUDENT_MODEL_KIND = 'explainseg-student';
export const STUDENT_FILES = Object.freeze({ model: 'model.json', head: 'head.json', student: 'student.json', tokenHead: 'teacher/token-head.json' });
/** 2: masks are the student's map fused with image cues (`cues`, `cut`); version 1 folders thresholded the student alone. */
export const STUDENT_MODEL_VERSION = 2;

export interface StudentWeights {
  readonly head: StudentHead;
  /**
   * The token probability at which the training tokens keep the pseudo-masks' extent: recorded in student.json
   * and fit's round report as a diagnostic; masks come from the fused cues' cut (StudentConfig.cut), not from it.
   */
  readonly threshold: number;
  readonly context: boolean;
  readonly position: boolean;
  /** Training rounds this student came from. */
  readonly round: number;
}

export interface StudentModelFile {
  readonly kind: typeof STUDENT_MODEL_KIND;
  readonly version: typeof STUDENT_MODEL_VERSION;
  readonly dataset: string;
  readonly backbone: { readonly weightsPath: string; readonly sha256: string };
  readonly student: StudentConfig;
  readonly config: unknown;
  readonly files: typeof STUDENT_FILES;
  readonly metrics: unknown;
}

async function readJson(path: string, what: string): Promise<Record<string, unknown>> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
  } catch (error) {
    throw new InputFileError(path, `cannot read ${what}: ${(error as Error).message}`, { cause: error });
  }
}

export async function saveStudentWeights(path: string, weights: StudentWeights): Promise<void> {
  await writeJsonAtomic(path, { threshold: weights.threshold, context: weights.context, position: weights.position, round: weights.round, head: studentHeadToJson(weights.head) });
}

export async function loadStudentWeights(path: string): Promise<StudentWeights> {
  const json = await readJson(path, 'the student weights');
  try {
    const threshold = json.threshold;
    if (typeof threshold !== 'number' || !Number.isFinite(threshold)) throw new InputFileError(path, `expected a finite number for threshold but received ${JSON.stringify(threshold)}`);
    return { head: studentHeadFromJson(json.head as Record<string, unknown>), threshold, context: json.context === true, position: json.position === true, round: Number(json.round) };
  } catch (error) {
    if (error instanceof InputFileError) throw error;
    throw new InputFileError(path, (error as Error).message, { cause: error });
  }
}

/** model.json of a model folder, checked to be a student's. */
export async function loadStudentModelFile(dir: string): Promise<StudentModelFile> {
  const path = join(dir, STUDENT_FILES.model);
  const json = await readJson(path, 'the model file');
  if (json.kind !== STUDENT_MODEL_KIND) throw new InputFileError(path, `expected '${STUDENT_MODEL_KIND}' for the kind but received ${JSON.stringify(json.kind)}`);
  if (json.version !== STUDENT_MODEL_VERSION) {
    throw new InputFileError(path, `expected version ${STUDENT_MODEL_VERSION} but received ${JSON.stringify(json.version)}: this model folder was made by an earlier ExplainSeg; run the same \`explainseg fit\` again into a new folder`);
  }
  return json as unknown as StudentModelFile;
}
