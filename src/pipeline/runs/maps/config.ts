/**
 * The `evaluate-maps` command's input: datasets with their heads (and token heads), the part of each head's
 * split to score, the map sources, and named explanation settings, so the IG settings of issue 14 section 2
 * are compared by one command.
 */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { ensure, ensureInteger, ensureOneOf, InputFileError } from '../../../core/index.js';
import { DATASET_KINDS, type DatasetKind } from '../../../data/index.js';
import type { PartialPipelineConfig } from '../../config/index.js';
import { SPLIT_PARTS, type SplitPart } from '../../evaluation/index.js';
import { MAP_SOURCES, type MapSourceName } from '../../method/index.js';

export interface MapEvalDataset {
  readonly name: string;
  readonly kind: DatasetKind;
  readonly data: string;
  /** head.json of `explainseg train`; split.json beside it says which images are which part. */
  readonly head: string;
  /** token-head.json of `explainseg train-token-head`, for the 'token-head' source. */
  readonly tokenHead?: string;
  readonly part: SplitPart;
  readonly limit: number;
  /** Merged over the shared pipeline config for this dataset only (the named explanations are merged after it). */
  readonly pipeline?: PartialPipelineConfig;
}

export interface MapEvalConfig {
  readonly weights: string;
  readonly out: string;
  readonly seed: number;
  readonly bootstrapResamples: number;
  readonly pipeline: PartialPipelineConfig;
  /**
   * Named explanation settings merged over `pipeline`: each gives the rows 'relevance (NAME)' and
   * 'fused (NAME)' ('relevance' and 'fused' for the name 'default'). Empty: no IG is run.
   */
  readonly explanations: Readonly<Record<string, PartialPipelineConfig>>;
  readonly sources: readonly MapSourceName[];
  readonly datasets: readonly MapEvalDataset[];
}

function readJsonObject(text: string, path: string): Record<string, unknown> {
  try {
    const value = JSON.parse(text) as unknown;
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch (error) {
    throw new InputFileError(path, `cannot parse the map evaluation config: ${(error as Error).message}`, { cause: error });
  }
  throw new InputFileError(path, 'expected a JSON object for the map evaluation config');
}

/** Reads and checks a map evaluation config; relative paths are taken from the config file's folder. */
export async function readMapEvalConfig(path: string): Promise<MapEvalConfig> {
  const text = await readFile(path, 'utf8').catch((error: Error) => {
    throw new InputFileError(path, `cannot read the map evaluation config: ${error.message}`, { cause: error });
  });
  const raw = readJsonObject(text, path);
  const base = dirname(resolve(path));
  const at = (value: unknown, what: string): string => {
    ensure(typeof value === 'string' && value.length > 0, 'a path', what, value);
    return resolve(base, value as string);
  };
  const datasets = raw.datasets;
  ensure(Array.isArray(datasets) && datasets.length > 0, 'a non-empty array', 'datasets in the map evaluation config', datasets);
  return {
    weights: at(raw.weights, 'weights in the map evaluation config'),
    out: at(raw.out ?? 'runs/maps', 'out in the map evaluation config'),
    seed: ensureInteger(raw.seed ?? 0, 'seed in the map evaluation config', { min: 0 }),
    bootstrapResamples: ensureInteger(raw.bootstrapResamples ?? 1000, 'bootstrapResamples in the map evaluation config', { min: 0 }),
    pipeline: (raw.pipeline ?? {}) as PartialPipelineConfig,
    explanations: (raw.explanations ?? { default: {} }) as Record<string, PartialPipelineConfig>,
    sources: ((raw.sources as string[] | undefined) ?? MAP_SOURCES).map((s) => ensureOneOf(s, 'a map source in the map evaluation config', MAP_SOURCES)),
    datasets: (datasets as Record<string, unknown>[]).map((d, i) => ({
      name: typeof d.name === 'string' ? d.name : String(d.kind),
      kind: ensureOneOf(d.kind, `datasets[${i}].kind in the map evaluation config`, DATASET_KINDS),
      data: at(d.data, `datasets[${i}].data in the map evaluation config`),
      head: at(d.head, `datasets[${i}].head in the map evaluation config`),
      ...(d.tokenHead ? { tokenHead: at(d.tokenHead, `datasets[${i}].tokenHead in the map evaluation config`) } : {}),
      part: ensureOneOf(d.part ?? 'development', `datasets[${i}].part in the map evaluation config`, SPLIT_PARTS),
      limit: ensureInteger(d.limit ?? 30, `datasets[${i}].limit in the map evaluation config`, { min: 1 }),
      ...(d.pipeline ? { pipeline: d.pipeline as PartialPipelineConfig } : {}),
    })),
  };
}

/** The table row names of an explanation's two maps. */
export function explanationRowNames(name: string): { relevance: string; fused: string } {
  return name === 'default' ? { relevance: 'relevance', fused: 'fused' } : { relevance: `relevance (${name})`, fused: `fused (${name})` };
}
