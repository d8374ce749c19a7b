import { ensureOneOf, invalid, InvalidArgumentError } from '../../core/index.js';
import { validateConfig } from './validate.js';
import type { PartialPipelineConfig, PipelineConfig } from './types.js';
import { defaultConfig } from './defaults.js';

/** The paper's four variants (Fusion/XAI x Morphology/NCut), as partial configs merged over the defaults. */
export const variantPresets = {
  'fusion-morph': { fusion: { enabled: true }, mask: { method: 'morphology' } },
  'fusion-ncut': { fusion: { enabled: true }, mask: { method: 'ncut' } },
  'xai-morph': { fusion: { enabled: false }, mask: { method: 'morphology' } },
  xncut: { fusion: { enabled: false }, mask: { method: 'ncut' } },
} as const satisfies Record<string, PartialPipelineConfig>;

export type VariantName = keyof typeof variantPresets;
export const variantNames = Object.keys(variantPresets) as VariantName[];
export const defaultVariant: VariantName = 'xncut';

/** A faster explanation at a measured fidelity cost (see docs/results.md): 16 Gauss-Legendre steps instead of 50. */
export const fastPreset: PartialPipelineConfig = { explain: { nSteps: 16 } };

/**
 * Merge partial configs over a base; scalars replace, objects merge. An unknown key, a section given as
 * something other than an object, and any leaf outside its allowed values (validate.ts) are errors here,
 * so a resolved config is a valid one and nothing downstream fails on settings.
 */
export function mergeConfig(base: Readonly<PipelineConfig>, ...overrides: PartialPipelineConfig[]): PipelineConfig {
  let merged = structuredClone(base) as PipelineConfig;
  for (const override of overrides) merged = mergeInto(merged, override, 'config') as PipelineConfig;
  return validateConfig(merged);
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function mergeInto(target: unknown, source: unknown, path: string): unknown {
  if (source === undefined) return target;
  if (isObject(target) && !isObject(source)) throw invalid(`an object with keys ${Object.keys(target).join(', ')}`, path, source);
  if (!isObject(target) || !isObject(source)) return source;
  const out: Record<string, unknown> = { ...target };
  for (const [key, value] of Object.entries(source)) {
    if (!(key in target)) throw new InvalidArgumentError(`expected one of ${Object.keys(target).join(', ')} for a key of ${path} but received '${key}'`);
    out[key] = mergeInto(target[key], value, `${path}.${key}`);
  }
  return out;
}

export function resolveConfig(variant: string = defaultVariant, ...overrides: PartialPipelineConfig[]): PipelineConfig {
  const name = ensureOneOf(variant, 'the variant', variantNames);
  return mergeConfig(defaultConfig, variantPresets[name], ...overrides);
}
