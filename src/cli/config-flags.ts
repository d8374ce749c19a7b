import { readFile } from 'node:fs/promises';
import { InputFileError } from '../core/errors.js';
import { invalid } from '../core/validate.js';
import { defaultConfig, defaultVariant, fastPreset, resolveConfig, variantNames, type PartialPipelineConfig, type PipelineConfig } from '../pipeline/index.js';
import type { OptionSpecs, ParsedArgs } from './command.js';

/**
 * CLI flags are generated from the default config, so they cannot drift apart: every leaf `a.bC` becomes
 * `--a-b-c VALUE` (e.g. `--explain-n-steps 16`, `--crf-enabled false`, `--mask-ncut-graph patch`).
 */
interface Leaf {
  readonly flag: string;
  readonly path: readonly string[];
  readonly sample: unknown;
}

const kebab = (name: string): string => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

function leaves(value: unknown, path: string[] = []): Leaf[] {
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    return Object.entries(value).flatMap(([key, inner]) => leaves(inner, [...path, key]));
  }
  return [{ flag: path.map(kebab).join('-'), path, sample: value }];
}

const configLeaves = leaves(defaultConfig);

/** Options shared by every command that runs the pipeline. */
export const pipelineOptionSpecs: OptionSpecs = {
  variant: { type: 'string' },
  config: { type: 'string' },
  fast: { type: 'boolean' },
  'no-crf': { type: 'boolean' },
  ...Object.fromEntries(configLeaves.map((leaf) => [leaf.flag, { type: 'string' as const }])),
};

export const pipelineOptionsUsage = `Pipeline options:
  --variant NAME        ${variantNames.join(' | ')} (default ${defaultVariant})
  --config FILE         a JSON file with a partial config (see docs/configuration.md)
  --fast                the fast preset (${JSON.stringify(fastPreset)})
  --no-crf              skip the DenseCRF refinement
  --KEY VALUE           any config leaf, e.g. ${configLeaves.slice(1, 4).map((l) => `--${l.flag} ${String(l.sample)}`).join(', ')}
                        (all keys: ${configLeaves.map((l) => l.flag).join(', ')})`;

function parseLeaf(leaf: Leaf, text: string): unknown {
  if (typeof leaf.sample === 'number') {
    const value = Number(text);
    if (text.trim() === '' || !Number.isFinite(value)) throw invalid('a number', `--${leaf.flag}`, text);
    return value;
  }
  if (typeof leaf.sample === 'boolean') {
    if (text !== 'true' && text !== 'false') throw invalid('true or false', `--${leaf.flag}`, text);
    return text === 'true';
  }
  return text;
}

function setPath(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) node = (node[key] ??= {}) as Record<string, unknown>;
  node[path[path.length - 1]!] = value;
}

export function configFromFlags(values: ParsedArgs['values']): PartialPipelineConfig {
  const partial: Record<string, unknown> = {};
  for (const leaf of configLeaves) {
    const text = values[leaf.flag];
    if (typeof text === 'string') setPath(partial, leaf.path, parseLeaf(leaf, text));
  }
  return partial as PartialPipelineConfig;
}

export async function readConfigFile(path: string): Promise<PartialPipelineConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new InputFileError(path, `cannot read the config file (${(error as NodeJS.ErrnoException).code ?? 'error'})`, { cause: error });
  }
  try {
    return JSON.parse(text) as PartialPipelineConfig;
  } catch (error) {
    throw new InputFileError(path, `not valid JSON: ${(error as Error).message}`, { cause: error });
  }
}

/** Defaults <- variant <- --fast <- --config file <- individual flags <- --no-crf. */
export async function resolveCliConfig(values: ParsedArgs['values']): Promise<PipelineConfig> {
  const layers: PartialPipelineConfig[] = [];
  if (values.fast === true) layers.push(fastPreset);
  if (typeof values.config === 'string') layers.push(await readConfigFile(values.config));
  layers.push(configFromFlags(values));
  if (values['no-crf'] === true) layers.push({ crf: { enabled: false } });
  return resolveConfig(typeof values.variant === 'string' ? values.variant : defaultVariant, ...layers);
}
