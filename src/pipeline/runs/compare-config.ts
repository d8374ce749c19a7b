/**
 * The `compare` command's input: which datasets, heads, variants and baselines, with one shared pipeline
 * config, so Table 1 (variants) and Table 2 (XNCut vs baselines) of the paper come from one command.
 */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { ensure, ensureInteger, ensureOneOf, InputFileError, InvalidArgumentError, ModelMismatchError } from '../../core/index.js';
import { BACKBONE_KINDS, backboneKindOfConfig, type BackboneKind } from '../../backbone/index.js';
import { DATASET_KINDS, type DatasetKind, type LoadDatasetOptions } from '../../data/index.js';
import { loadHead, resolveHeadFile } from '../../head/index.js';
import { variantNames, type PartialPipelineConfig, type VariantName } from '../config/index.js';
import { COMPETITOR_NAMES, COMPETITORS, DEFAULT_COMPETITORS, type CompetitorName } from '../competitors/index.js';

/** The row name of the fitted student (`studentModel` of a compare dataset). */
export const STUDENT_ROW = 'explainseg-st';

export interface CompareDataset {
  readonly name: string;
  readonly kind: DatasetKind;
  readonly data: string;
  /** head.json from `explainseg train` on this dataset. */
  readonly head: string;
  /** The backbone kind of ExplainSeg's head and backbone here; checked against the head before any work. Default the head's. */
  readonly backbone?: BackboneKind;
  /** Weights of this dataset's backbone (e.g. the MobileNetV2 .npy folder); default the config's `weights`. */
  readonly weights?: string;
  /** token-head.json from `explainseg train-token-head`, for explain.source 'token-head'. */
  readonly tokenHead?: string;
  /** A MICRA-Net model folder trained on this dataset's training part (needed by the 'micranet' competitor). */
  readonly micranetModel?: string;
  /** A model folder from `explainseg fit` on this dataset: its student is scored as the row 'explainseg-st'. */
  readonly studentModel?: string;
  /** Images to score (a fixed seeded subset; see compare-subset.ts). */
  readonly limit: number;
  readonly datasetOptions?: LoadDatasetOptions;
  /** Merged over the shared pipeline config for this dataset only (e.g. the explain target's class name). */
  readonly pipeline?: PartialPipelineConfig;
}

export interface CompareConfig {
  readonly weights: string;
  readonly out: string;
  readonly seed: number;
  readonly pipeline: PartialPipelineConfig;
  readonly variants: readonly VariantName[];
  /** Competing methods and trivial references (the paper's baselines), in table order. */
  readonly competitors: readonly CompetitorName[];
  readonly datasets: readonly CompareDataset[];
  /** MaskCut's backbone input side (CutLER: 480). */
  readonly maskCutInputSize: number;
  readonly bootstrapResamples: number;
}

/** Reads and checks a compare config; relative paths are taken from the config file's folder. */
export async function readCompareConfig(path: string): Promise<CompareConfig> {
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
  } catch (error) {
    throw new InputFileError(path, `cannot read the compare config: ${(error as Error).message}`, { cause: error });
  }
  const base = dirname(resolve(path));
  const at = (value: unknown, what: string): string => {
    ensure(typeof value === 'string' && value.length > 0, 'a path', what, value);
    return resolve(base, value as string);
  };
  if ('baselines' in raw) throw new InputFileError(path, "the key 'baselines' is now called 'competitors' (the competing methods; 'baseline' is IG's reference input)");
  const datasets = raw.datasets;
  ensure(Array.isArray(datasets) && datasets.length > 0, 'a non-empty array', 'datasets in the compare config', datasets);
  return {
    weights: at(raw.weights, 'weights in the compare config'),
    out: at(raw.out ?? 'runs/compare', 'out in the compare config'),
    seed: ensureInteger(raw.seed ?? 0, 'seed in the compare config', { min: 0 }),
    pipeline: (raw.pipeline ?? {}) as PartialPipelineConfig,
    variants: ((raw.variants as string[] | undefined) ?? variantNames).map((v) => ensureOneOf(v, 'a variant in the compare config', variantNames)),
    competitors: ((raw.competitors as string[] | undefined) ?? DEFAULT_COMPETITORS).map((c) => ensureOneOf(c, 'a competitor in the compare config', COMPETITOR_NAMES)),
    maskCutInputSize: ensureInteger(raw.maskCutInputSize ?? 480, 'maskCutInputSize in the compare config', { min: 16 }),
    bootstrapResamples: ensureInteger(raw.bootstrapResamples ?? 1000, 'bootstrapResamples in the compare config', { min: 0 }),
    datasets: (datasets as Record<string, unknown>[]).map((d, i) => ({
      name: typeof d.name === 'string' ? d.name : String(d.kind),
      kind: ensureOneOf(d.kind, `datasets[${i}].kind in the compare config`, DATASET_KINDS),
      data: at(d.data, `datasets[${i}].data in the compare config`),
      head: at(d.head, `datasets[${i}].head in the compare config`),
      ...(d.backbone === undefined ? {} : { backbone: ensureOneOf(d.backbone, `datasets[${i}].backbone in the compare config`, BACKBONE_KINDS) }),
      ...(d.weights === undefined ? {} : { weights: at(d.weights, `datasets[${i}].weights in the compare config`) }),
      ...(d.tokenHead ? { tokenHead: at(d.tokenHead, `datasets[${i}].tokenHead in the compare config`) } : {}),
      ...(d.micranetModel ? { micranetModel: at(d.micranetModel, `datasets[${i}].micranetModel in the compare config`) } : {}),
      ...(d.studentModel ? { studentModel: at(d.studentModel, `datasets[${i}].studentModel in the compare config`) } : {}),
      limit: ensureInteger(d.limit ?? 100, `datasets[${i}].limit in the compare config`, { min: 1 }),
      ...(d.datasetOptions ? { datasetOptions: d.datasetOptions as LoadDatasetOptions } : {}),
      ...(d.pipeline ? { pipeline: d.pipeline as PartialPipelineConfig } : {}),
    })),
  };
}

/** The config with each dataset's head given as the head file (a `train --out` folder becomes its head.json). */
export async function resolveCompareHeads(config: CompareConfig): Promise<CompareConfig> {
  const datasets = await Promise.all(config.datasets.map(async (dataset) => ({ ...dataset, head: await resolveHeadFile(dataset.head) })));
  return { ...config, datasets };
}

/**
 * Every competitor that needs a model trained for a dataset has one, and MaskCut's input side suits each
 * dataset's backbone (a multiple of MobileNetV2's stride 32), checked before any work.
 */
export function ensureCompetitorModels(config: CompareConfig): void {
  const needsMicraNet = config.competitors.some((name) => COMPETITORS[name].needs === 'micranet-model');
  const missing = needsMicraNet ? config.datasets.filter((d) => !d.micranetModel).map((d) => d.name) : [];
  if (missing.length > 0) throw new InvalidArgumentError(`the 'micranet' competitor needs a trained model: give "micranetModel" (a model folder) for dataset(s) ${missing.join(', ')} in the compare config`);
  const needsMaskCut = config.competitors.some((name) => COMPETITORS[name].needs === 'maskcut-backbone');
  const cnn = config.datasets.filter((d) => d.backbone === 'mobilenetv2').map((d) => d.name);
  if (needsMaskCut && cnn.length > 0 && config.maskCutInputSize % 32 !== 0) {
    throw new InvalidArgumentError(`expected a multiple of 32 (MobileNetV2's stride, datasets ${cnn.join(', ')}) for maskCutInputSize in the compare config but received ${config.maskCutInputSize}`);
  }
}

/**
 * Each dataset's `backbone` agrees with the kind its head was trained on (read from head.json, no weights
 * loaded), so a mismatch stops the comparison before any dataset is worked on. Heads must be resolved files.
 */
export async function ensureCompareBackbones(config: CompareConfig): Promise<void> {
  for (const dataset of config.datasets) {
    if (dataset.backbone === undefined) continue;
    const kind = backboneKindOfConfig((await loadHead(dataset.head)).backbone.config);
    if (kind !== dataset.backbone) {
      throw new ModelMismatchError(`dataset ${dataset.name} in the compare config names the backbone ${dataset.backbone}, but its head ${dataset.head} was trained on a ${kind} backbone`);
    }
  }
}
