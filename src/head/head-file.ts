import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describeFileError, describeValue, InputFileError, ModelMismatchError, writeJsonAtomic } from '../core/index.js';
import { createLinearHead, type LinearHead } from './linear-head.js';

export const HEAD_FORMAT = 'explainseg-head';
export const HEAD_FORMAT_VERSION = 1;
/** The version of a head that needs fine-tuned backbone blocks: readers that know only version 1 refuse it. */
export const FINETUNED_HEAD_FORMAT_VERSION = 2;

/** Which backbone features a head reads: the final CLS token, or the CLS tokens of the last four blocks. */
export const FEATURE_KINDS = ['cls', 'clsLast4'] as const;
export type FeatureKind = (typeof FEATURE_KINDS)[number];

/** A trained head with everything needed to use it again: weights travel with their pre-processing and backbone. */
export interface HeadModel {
  readonly head: LinearHead;
  readonly featureKind: FeatureKind;
  readonly inputSize: number;
  readonly normalisation: { readonly mean: readonly number[]; readonly std: readonly number[] };
  readonly backbone: { readonly sha256: string; readonly config: unknown };
  readonly training: { readonly seed: number; readonly config: unknown };
  /** Present when the last backbone blocks were fine-tuned with the head: the head is only valid with them. */
  readonly finetuned?: FinetunedBlocksRef;
}

/** Where a head's fine-tuned backbone blocks are: a safetensors file beside head.json, by name and SHA-256. */
export interface FinetunedBlocksRef {
  /** Trained blocks at the end of the ViT (the final norm is trained with them). */
  readonly blocks: number;
  /** File name, relative to the folder of head.json. */
  readonly file: string;
  /** SHA-256 of that file. */
  readonly sha256: string;
}

interface HeadJson {
  format: string;
  version: number;
  classes: string[];
  featureKind: FeatureKind;
  featureDim: number;
  inputSize: number;
  normalisation: { mean: number[]; std: number[] };
  backbone: { sha256: string; config: unknown };
  training: { seed: number; config: unknown };
  finetuned?: FinetunedBlocksRef;
  weight: number[];
  bias: number[];
}

export function headToJson(model: HeadModel): HeadJson {
  return {
    format: HEAD_FORMAT, version: model.finetuned ? FINETUNED_HEAD_FORMAT_VERSION : HEAD_FORMAT_VERSION,
    classes: model.head.classes, featureKind: model.featureKind, featureDim: model.head.dim, inputSize: model.inputSize,
    normalisation: { mean: [...model.normalisation.mean], std: [...model.normalisation.std] },
    backbone: model.backbone, training: model.training,
    ...(model.finetuned ? { finetuned: { ...model.finetuned } } : {}),
    weight: Array.from(model.head.weight), bias: Array.from(model.head.bias),
  };
}

/** Saves atomically: a crash mid-write leaves the old file or the new one, never half of one. */
export async function saveHead(path: string, model: HeadModel): Promise<void> {
  await writeJsonAtomic(path, headToJson(model));
}

const isFiniteNumbers = (value: unknown, length?: number): value is number[] =>
  Array.isArray(value) && (length === undefined || value.length === length) && value.every((x) => typeof x === 'number' && Number.isFinite(x));

/** Every problem of a parsed head file, so that one error names them all. */
function headProblems(json: Partial<HeadJson>): string[] {
  const problems: string[] = [];
  const check = (ok: boolean, expected: string, field: string, received: unknown): void => {
    if (!ok) problems.push(`expected ${expected} for ${field} but received ${JSON.stringify(received)?.slice(0, 60)}`);
  };
  check(json.format === HEAD_FORMAT, `'${HEAD_FORMAT}'`, 'format', json.format);
  const version = json.finetuned === undefined ? HEAD_FORMAT_VERSION : FINETUNED_HEAD_FORMAT_VERSION;
  check(json.version === version, `${version}${json.finetuned === undefined ? '' : ' (a head with fine-tuned blocks)'}`, 'version', json.version);
  if (json.finetuned !== undefined) problems.push(...finetunedProblems(json.finetuned));
  const classes = Array.isArray(json.classes) && json.classes.length >= 2 && json.classes.every((c) => typeof c === 'string');
  check(classes, 'at least 2 class names', 'classes', json.classes);
  check(json.featureKind === 'cls' || json.featureKind === 'clsLast4', "'cls' or 'clsLast4'", 'featureKind', json.featureKind);
  check(Number.isInteger(json.featureDim) && json.featureDim! > 0, 'a positive integer', 'featureDim', json.featureDim);
  check(Number.isInteger(json.inputSize) && json.inputSize! > 0, 'a positive integer', 'inputSize', json.inputSize);
  check(isFiniteNumbers(json.normalisation?.mean, 3), '3 finite numbers', 'normalisation.mean', json.normalisation?.mean);
  check(isFiniteNumbers(json.normalisation?.std, 3) && json.normalisation!.std.every((s) => s > 0), '3 positive numbers', 'normalisation.std', json.normalisation?.std);
  check(typeof json.backbone?.sha256 === 'string' && /^[0-9a-f]{64}$/.test(json.backbone.sha256), 'a 64-digit hex SHA-256', 'backbone.sha256', json.backbone?.sha256);
  check(Number.isInteger(json.training?.seed), 'an integer', 'training.seed', json.training?.seed);
  if (classes && Number.isInteger(json.featureDim)) {
    const weightProblem = numbersProblem(json.weight, json.classes!.length * json.featureDim!, 'weight');
    const biasProblem = numbersProblem(json.bias, json.classes!.length, 'bias');
    if (weightProblem) problems.push(weightProblem);
    if (biasProblem) problems.push(biasProblem);
  }
  return problems;
}

/** The problems of a `finetuned` entry: a block count, a plain file name beside head.json, a SHA-256. */
function finetunedProblems(value: unknown): string[] {
  const entry = (typeof value === 'object' && value !== null ? value : {}) as Partial<FinetunedBlocksRef>;
  const problems: string[] = [];
  if (!(Number.isInteger(entry.blocks) && entry.blocks! > 0)) problems.push(`expected a positive integer for finetuned.blocks but received ${JSON.stringify(entry.blocks)}`);
  if (!(typeof entry.file === 'string' && /^[\w.-]+$/.test(entry.file) && !entry.file.startsWith('.'))) {
    problems.push(`expected a file name beside head.json for finetuned.file but received ${JSON.stringify(entry.file)}`);
  }
  if (!(typeof entry.sha256 === 'string' && /^[0-9a-f]{64}$/.test(entry.sha256))) problems.push(`expected a 64-digit hex SHA-256 for finetuned.sha256 but received ${JSON.stringify(entry.sha256)}`);
  return problems;
}

/** JSON has no NaN or Infinity: JSON.stringify writes them as null, so a null entry is one of them. */
function describeEntry(value: unknown): string {
  if (value === null) return 'null (how JSON writes NaN and Infinity: did the training diverge?)';
  return typeof value === 'number' ? String(value) : describeValue(value);
}

/**
 * The problem of a weight or bias array: its length, or the first entry that is not a finite number,
 * named by index ("expected a finite number for weight[17] but received null ..."); undefined when fine.
 */
function numbersProblem(value: unknown, length: number, field: string): string | undefined {
  if (!Array.isArray(value) || value.length !== length) {
    return `expected ${length} finite numbers for ${field} but received "${Array.isArray(value) ? value.length : typeof value} values"`;
  }
  const bad = value.flatMap((x, i) => (typeof x === 'number' && Number.isFinite(x) ? [] : [i]));
  if (bad.length === 0) return undefined;
  const more = bad.length > 1 ? `; ${bad.length - 1} more entr${bad.length === 2 ? 'y is' : 'ies are'} not finite` : '';
  return `expected a finite number for ${field}[${bad[0]}] but received ${describeEntry(value[bad[0]!])}${more}`;
}

/** Validates a parsed head file; `source` names it in the InputFileError that lists every problem. */
export function headFromJson(value: unknown, source: string): HeadModel {
  if (typeof value !== 'object' || value === null) throw new InputFileError(source, 'not a head file (expected a JSON object)');
  const json = value as Partial<HeadJson>;
  const problems = headProblems(json);
  if (problems.length > 0) throw new InputFileError(source, `invalid head file:\n  - ${problems.join('\n  - ')}`);
  return {
    head: createLinearHead(json.classes!, json.featureDim!, Float32Array.from(json.weight!), Float32Array.from(json.bias!)),
    featureKind: json.featureKind!, inputSize: json.inputSize!,
    normalisation: { mean: json.normalisation!.mean, std: json.normalisation!.std },
    backbone: { sha256: json.backbone!.sha256, config: json.backbone!.config ?? null },
    training: { seed: json.training!.seed, config: json.training!.config ?? null },
    ...(json.finetuned ? { finetuned: { blocks: json.finetuned.blocks, file: json.finetuned.file, sha256: json.finetuned.sha256 } } : {}),
  };
}

export async function loadHead(path: string): Promise<HeadModel> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new InputFileError(path, 'missing or unreadable head file', { cause: error });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new InputFileError(path, `not valid JSON (${(error as Error).message})`, { cause: error });
  }
  return headFromJson(value, path);
}

/** Throws ModelMismatchError, naming every difference, when a head was trained for another backbone or input. */
export function ensureCompatibleHead(model: HeadModel, expected: { backboneSha256: string; inputSize: number; featureKind?: FeatureKind; classes?: readonly string[] }): void {
  const differences: string[] = [];
  if (model.backbone.sha256 !== expected.backboneSha256) differences.push(`backbone SHA-256 ${model.backbone.sha256} (head) vs ${expected.backboneSha256} (given)`);
  if (model.inputSize !== expected.inputSize) differences.push(`input size ${model.inputSize} (head) vs ${expected.inputSize} (given)`);
  if (expected.featureKind && model.featureKind !== expected.featureKind) differences.push(`feature kind ${model.featureKind} (head) vs ${expected.featureKind} (given)`);
  if (expected.classes && expected.classes.join('\u0000') !== model.head.classes.join('\u0000')) differences.push(`classes ${model.head.classes.join(', ')} (head) vs ${expected.classes.join(', ')} (given)`);
  if (differences.length > 0) throw new ModelMismatchError(`the head does not fit this model: ${differences.join('; ')}`);
}

/**
 * The head file a `--head` argument names: the file itself, or head.json inside the folder `train --out`
 * wrote. A folder without head.json, or a missing path, is an InputFileError.
 */
export async function resolveHeadFile(path: string): Promise<string> {
  const info = await stat(path).catch((error: unknown) => {
    throw new InputFileError(path, `${describeFileError(error)}; expected head.json or the folder 'explainseg train --out' wrote`);
  });
  if (!info.isDirectory()) return path;
  const inside = join(path, 'head.json');
  if (!(await stat(inside).then((s) => s.isFile(), () => false))) throw new InputFileError(path, "is a folder without head.json (expected the folder 'explainseg train --out' wrote)");
  return inside;
}
