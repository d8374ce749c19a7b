import { resolve } from 'node:path';
import { ensureOneOf, invalid, parseNumberText } from '../core/index.js';
import { BACKBONE_KINDS, type BackboneKind } from '../backbone/backbone-kind.js';
import { resolveWeightsPath } from '../backbone/weights/index.js';
import type { ParsedArgs } from './command.js';

/**
 * Reading a command's own flags from `parseArgs` values, with the one message format
 * "expected X for --flag but received Z". A bad number is reported as typed ("received 'abc'", never
 * "received NaN"), naming the flag; an empty value is not read as 0.
 */
export type FlagValues = ParsedArgs['values'];

export interface NumberFlagRange {
  readonly min?: number;
  readonly max?: number;
}

/**
 * The values without flags given as an empty string, for commands that treat `--out ''` as not given.
 * Booleans and lists pass through unchanged.
 */
export function withoutEmptyFlags(values: FlagValues): FlagValues {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== ''));
}

/** The flag's text, or undefined when it is absent (an empty string is returned as given). */
export function stringFlag(values: FlagValues, name: string): string | undefined {
  const value = values[name];
  return typeof value === 'string' ? value : undefined;
}

/** The flag's text; absent or empty is a usage error. */
export function requiredStringFlag(values: FlagValues, name: string): string {
  const value = stringFlag(values, name);
  if (value === undefined || value === '') throw invalid('a value', `--${name}`, value);
  return value;
}

/** An integer flag within the range; absent gives the fallback (undefined when there is none). */
export function integerFlag(values: FlagValues, name: string, options: NumberFlagRange & { readonly fallback: number }): number;
export function integerFlag(values: FlagValues, name: string, options?: NumberFlagRange): number | undefined;
export function integerFlag(values: FlagValues, name: string, options: NumberFlagRange & { readonly fallback?: number } = {}): number | undefined {
  const { fallback, ...range } = options;
  const text = stringFlag(values, name);
  return text === undefined ? fallback : parseNumberText(text, `--${name}`, { ...range, integer: true });
}

/** A finite number flag within the range, or undefined when absent. */
export function numberFlag(values: FlagValues, name: string, range: NumberFlagRange = {}): number | undefined {
  const text = stringFlag(values, name);
  return text === undefined ? undefined : parseNumberText(text, `--${name}`, range);
}

/** One of the allowed words, or undefined when absent. */
export function choiceFlag<T extends string>(values: FlagValues, name: string, allowed: readonly T[]): T | undefined {
  const text = stringFlag(values, name);
  return text === undefined ? undefined : ensureOneOf(text, `--${name}`, allowed);
}

/** Where to look for backbone weights, as `resolveWeightsPath` takes it; empty settings are left out. */
export interface WeightsSearch {
  readonly flag?: string;
  readonly env?: string;
  readonly cache?: string;
}

/** --weights, then EXPLAINSEG_WEIGHTS, then the cache in EXPLAINSEG_CACHE (empty values count as unset). */
export function weightsSearch(values: FlagValues, env: NodeJS.ProcessEnv): WeightsSearch {
  const flag = stringFlag(values, 'weights');
  return {
    ...(flag ? { flag } : {}),
    ...(env.EXPLAINSEG_WEIGHTS ? { env: env.EXPLAINSEG_WEIGHTS } : {}),
    ...(env.EXPLAINSEG_CACHE ? { cache: env.EXPLAINSEG_CACHE } : {}),
  };
}

/** --backbone: one of BACKBONE_KINDS (vit-dino, dinov2, mobilenetv2), or undefined when absent. */
export function backboneFlag(values: FlagValues): BackboneKind | undefined {
  return choiceFlag(values, 'backbone', BACKBONE_KINDS);
}

/**
 * The absolute weights path for a backbone kind. A ViT is searched as `resolveWeightsPath` does (--weights,
 * EXPLAINSEG_WEIGHTS, the cache); MobileNetV2 comes only from --weights, its folder of .npy files, since the
 * environment and the cache hold the ViT. `why` names what asks for MobileNetV2 in the error.
 */
export async function resolveBackboneWeights(values: FlagValues, env: NodeJS.ProcessEnv, kind: BackboneKind | undefined, why = `--backbone ${kind}`): Promise<string> {
  if (kind === 'mobilenetv2' && !stringFlag(values, 'weights')) {
    throw invalid('--weights /path/to/mobilenetv2-imagenet (the folder of .npy files)', why, 'no --weights');
  }
  return resolve((await resolveWeightsPath(weightsSearch(values, env))).path);
}
