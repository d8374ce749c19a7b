import { stat } from 'node:fs/promises';
import { DatasetError, defaultCacheDir, InputFileError } from '../../core/index.js';
import type { DatasetKind } from '../load-dataset.js';
import { datasetCachePath, isDirectory } from './fetch-dataset.js';
import { datasetSources, FETCHABLE_DATASETS, type FetchableDataset } from './sources.js';

export interface ResolveDatasetOptions {
  /** `--data DIR` */
  readonly flag?: string;
  /** The value of EXPLAINSEG_DATA. */
  readonly env?: string;
  /** The cache folder (default: EXPLAINSEG_CACHE or ~/.cache/explainseg). */
  readonly cacheDir?: string;
}

export interface ResolvedDatasetDir {
  readonly path: string;
  readonly source: 'flag' | 'env' | 'cache';
}

/** The command that fetches a dataset: `explainseg data fetch NAME`. */
export function datasetFetchCommand(kind: FetchableDataset): string {
  return `explainseg data fetch ${kind}`;
}

export function isFetchableDataset(kind: string): kind is FetchableDataset {
  return (FETCHABLE_DATASETS as readonly string[]).includes(kind);
}

/**
 * Find a dataset folder: `--data`, then EXPLAINSEG_DATA, then CACHE/data/KIND (what `explainseg data fetch
 * KIND` unpacks, or a copy put there by hand). A folder that is named but missing is an InputFileError;
 * nothing found is a DatasetError that says how to get the data.
 */
export async function resolveDatasetDir(kind: DatasetKind, options: ResolveDatasetOptions = {}): Promise<ResolvedDatasetDir> {
  for (const [value, source, label] of [[options.flag, 'flag', '--data'], [options.env, 'env', 'EXPLAINSEG_DATA']] as const) {
    if (!value) continue;
    const info = await stat(value).catch(() => undefined);
    if (!info?.isDirectory()) throw new InputFileError(value, `named by ${label} but ${info ? 'is not a folder' : 'does not exist'}`);
    return { path: value, source };
  }
  if (!isFetchableDataset(kind)) throw new DatasetError(`expected a dataset folder for the ${kind} dataset kind but received none: pass --data DIR or set EXPLAINSEG_DATA`);
  const cached = datasetCachePath(kind, options.cacheDir ?? defaultCacheDir());
  if (await isDirectory(cached)) return { path: cached, source: 'cache' };
  throw new DatasetError(`no ${kind} data found: pass --data DIR, set EXPLAINSEG_DATA, or ${datasetFetchHint(kind)} (looked in ${cached})`);
}

/** How to get a dataset into the cache: the fetch command, or where to download it by hand. */
export function datasetFetchHint(kind: FetchableDataset): string {
  const source = datasetSources[kind];
  return source.download
    ? `run '${datasetFetchCommand(kind)}'`
    : `download it from ${source.homepage} into the cache as '${datasetFetchCommand(kind)}' describes`;
}
