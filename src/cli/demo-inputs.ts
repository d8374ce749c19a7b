import { resolve } from 'node:path';
import { fetchWeights, resolveWeightsPath, weightsCachePath, type ResolveWeightsOptions } from '../backbone/weights/index.js';
import { DatasetError, defaultCacheDir, WeightsError, type ProgressCallback } from '../core/index.js';
import {
  datasetCachePath, datasetFetchCommand, fetchDataset, isFetchableDataset, resolveDatasetDir,
  type DatasetKind, type FetchableDataset, type ResolveDatasetOptions,
} from '../data/index.js';
import type { CliIo } from './command.js';
import { stringFlag, weightsSearch, type FlagValues } from './flags.js';

/** The backbone the demo fetches when it has none: the paper's DINO ViT-S/16. */
export const DEMO_WEIGHTS = 'dino-vits16';

export interface DemoInputOptions {
  readonly dataset: DatasetKind;
  /** Finds the weights (default resolveWeightsPath); the demo passes one whose error also names the stand-in weights. */
  readonly resolveWeights?: (search: ResolveWeightsOptions) => Promise<{ path: string }>;
  readonly onProgress?: ProgressCallback;
  /** Called before each download that --fetch starts, with what it fetches and where to. */
  readonly onFetch?: (message: string) => void;
  /** Mirrors for --fetch (default: the official URLs). */
  readonly fetchUrls?: { readonly weights?: string; readonly data?: string };
}

export interface DemoInputs {
  readonly weightsPath: string;
  readonly dataRoot: string;
}

/** The data folder the user named, if any (--data, else EXPLAINSEG_DATA): its name also guesses the dataset kind. */
export function namedDataFolder(values: FlagValues, env: NodeJS.ProcessEnv): string | undefined {
  return stringFlag(values, 'data') || env.EXPLAINSEG_DATA || undefined;
}

/**
 * The demo's weights and data: --weights, EXPLAINSEG_WEIGHTS, then the cache; --data, EXPLAINSEG_DATA, then
 * the cache. With --fetch, whatever is missing is fetched into the cache first. When neither is found, one
 * error names both commands that fetch them.
 */
export async function resolveDemoInputs(values: FlagValues, io: CliIo, options: DemoInputOptions): Promise<DemoInputs> {
  const cacheDir = defaultCacheDir(io.env);
  const weights: ResolveWeightsOptions = { ...weightsSearch(values, io.env), cache: cacheDir };
  const data: ResolveDatasetOptions = { ...optional('flag', stringFlag(values, 'data')), ...optional('env', io.env.EXPLAINSEG_DATA), cacheDir };
  if (values.fetch === true) await fetchMissing({ weights, data, cacheDir }, options);
  const [foundWeights, foundData] = await Promise.allSettled([(options.resolveWeights ?? resolveWeightsPath)(weights), resolveDatasetDir(options.dataset, data)]);
  if (foundWeights.status === 'rejected' && foundData.status === 'rejected') {
    if (foundWeights.reason instanceof WeightsError && foundData.reason instanceof DatasetError && isFetchableDataset(options.dataset)) {
      throw bothMissing(options.dataset, cacheDir);
    }
  }
  if (foundWeights.status === 'rejected') throw foundWeights.reason;
  if (foundData.status === 'rejected') throw foundData.reason;
  return { weightsPath: resolve(foundWeights.value.path), dataRoot: resolve(foundData.value.path) };
}

function optional<K extends string>(key: K, value: string | undefined): { [P in K]?: string } {
  return (value ? { [key]: value } : {}) as { [P in K]?: string };
}

/** Only what no flag, variable or cache provides is fetched; a named file or folder that is missing stays an error. */
async function fetchMissing(search: { weights: ResolveWeightsOptions; data: ResolveDatasetOptions; cacheDir: string }, options: DemoInputOptions): Promise<void> {
  const { cacheDir } = search;
  const progress = options.onProgress ? { onProgress: options.onProgress } : {};
  if (await isMissing(resolveWeightsPath(search.weights), WeightsError)) {
    options.onFetch?.(`weights ${DEMO_WEIGHTS} into ${weightsCachePath(DEMO_WEIGHTS, cacheDir)}`);
    await fetchWeights(DEMO_WEIGHTS, { cacheDir, ...progress, ...optional('url', options.fetchUrls?.weights) });
  }
  if (isFetchableDataset(options.dataset) && await isMissing(resolveDatasetDir(options.dataset, search.data), DatasetError)) {
    options.onFetch?.(`data ${options.dataset} into ${datasetCachePath(options.dataset, cacheDir)}`);
    await fetchDataset(options.dataset, { cacheDir, ...progress, ...optional('url', options.fetchUrls?.data) });
  }
}

/** True when the lookup failed with the "not found anywhere" error; other errors propagate. */
async function isMissing(lookup: Promise<unknown>, notFound: typeof WeightsError | typeof DatasetError): Promise<boolean> {
  try {
    await lookup;
    return false;
  } catch (error) {
    if (error instanceof notFound) return true;
    throw error;
  }
}

function bothMissing(kind: FetchableDataset, cacheDir: string): DatasetError {
  return new DatasetError(
    `no weights and no ${kind} data found (looked in ${weightsCachePath(DEMO_WEIGHTS, cacheDir)} and ${datasetCachePath(kind, cacheDir)}); `
    + `fetch them with 'explainseg weights fetch ${DEMO_WEIGHTS}' and '${datasetFetchCommand(kind)}', or run 'explainseg demo --fetch' to do both `
    + '(--weights FILE or EXPLAINSEG_WEIGHTS, and --data DIR or EXPLAINSEG_DATA, name copies you already have)',
  );
}
