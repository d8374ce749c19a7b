/**
 * The token head's file, token-head.json: weights with the pooling they were trained with and the identity of
 * the backbone, input size and normalisation they belong to (the CLS head's, whose split they share).
 */
import { readFile } from 'node:fs/promises';
import { InputFileError, ModelMismatchError, writeJsonAtomic } from '../core/index.js';
import { createLinearHead } from './linear-head.js';
import type { TokenHead } from './token-head.js';

export const TOKEN_HEAD_FORMAT = 'explainseg-token-head';

export interface TokenHeadModel {
  readonly head: TokenHead;
  readonly inputSize: number;
  readonly normalisation: { readonly mean: readonly number[]; readonly std: readonly number[] };
  readonly backboneSha256: string;
  readonly training: unknown;
}

export async function saveTokenHead(path: string, model: TokenHeadModel): Promise<void> {
  const { linear, topK } = model.head;
  await writeJsonAtomic(path, {
    format: TOKEN_HEAD_FORMAT, version: 1, classes: linear.classes, dim: linear.dim, topK,
    inputSize: model.inputSize, normalisation: model.normalisation, backboneSha256: model.backboneSha256, training: model.training,
    weight: Array.from(linear.weight), bias: Array.from(linear.bias),
  });
}

export async function loadTokenHead(path: string): Promise<TokenHeadModel> {
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
  } catch (error) {
    throw new InputFileError(path, `cannot read the token head: ${(error as Error).message}`, { cause: error });
  }
  if (json.format !== TOKEN_HEAD_FORMAT) throw new InputFileError(path, `expected '${TOKEN_HEAD_FORMAT}' for the format but received ${JSON.stringify(json.format)}`);
  const weight = json.weight as number[];
  const bias = json.bias as number[];
  if (!Array.isArray(weight) || !Array.isArray(bias) || weight.some((x) => !Number.isFinite(x))) throw new InputFileError(path, 'expected finite numbers for weight and bias');
  return {
    head: { linear: createLinearHead(json.classes as string[], json.dim as number, Float32Array.from(weight), Float32Array.from(bias)), topK: json.topK as number },
    inputSize: json.inputSize as number,
    normalisation: json.normalisation as TokenHeadModel['normalisation'],
    backboneSha256: json.backboneSha256 as string,
    training: json.training,
  };
}

/** Throws ModelMismatchError unless the token head belongs to this backbone and classifier classes. */
export function ensureCompatibleTokenHead(model: TokenHeadModel, expected: { backboneSha256: string; classes: readonly string[] }): void {
  const problems: string[] = [];
  if (model.backboneSha256 !== expected.backboneSha256) problems.push(`backbone ${model.backboneSha256.slice(0, 12)} (token head) vs ${expected.backboneSha256.slice(0, 12)} (weights)`);
  if (model.head.linear.classes.join(',') !== expected.classes.join(',')) problems.push(`classes ${model.head.linear.classes.join(', ')} (token head) vs ${expected.classes.join(', ')} (head)`);
  if (problems.length > 0) throw new ModelMismatchError(`the token head does not fit: ${problems.join('; ')}`);
}
