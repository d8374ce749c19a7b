import { readFile } from 'node:fs/promises';
import { InputFileError, ModelMismatchError, writeJsonAtomic } from '../core/index.js';
import { createLinearHead, type LinearHead } from './linear-head.js';

export const HEAD_FORMAT = 'explainseg-head';
export const HEAD_FORMAT_VERSION = 1;

/** Which backbone output the head reads: the last CLS token, or the CLS tokens of the last 4 blocks concatenated. */
export type FeatureKind = 'cls' | 'clsLast4';

/** A trained head with everything needed to use it again: weights travel with their pre-processing and backbone. */
export interface HeadModel {
  readonly head: LinearHead;
  readonly featureKind: FeatureKind;
  readonly inputSize: number;
  readonly normalisation: { readonly mean: readonly number[]; readonly std: readonly number[] };
  readonly backbone: { readonly sha256: string; readonly config: unknown };
  readonly training: { readonly seed: number; readonly config: unknown };
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
  weight: number[];
  bias: number[];
}

export function headToJson(model: HeadModel): HeadJson {
  return {
    format: HEAD_FORMAT, version: HEAD_FORMAT_VERSION, classes: model.head.classes, featureKind: model.featureKind,
    featureDim: model.head.dim, inputSize: model.inputSize,
    normalisation: { mean: [...model.normalisation.mean], std: [...model.normalisation.std] },
    backbone: model.backbone, training: model.training,
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
  check(json.version === HEAD_FORMAT_VERSION, String(HEAD_FORMAT_VERSION), 'version', json.version);
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
    check(isFiniteNumbers(json.weight, json.classes!.length * json.featureDim!), `${json.classes!.length * json.featureDim!} finite numbers`, 'weight', `${Array.isArray(json.weight) ? json.weight.length : typeof json.weight} values`);
    check(isFiniteNumbers(json.bias, json.classes!.length), `${json.classes!.length} finite numbers`, 'bias', json.bias);
  }
  return problems;
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
