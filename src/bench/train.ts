/**
 * Training benchmark: frozen ViT features plus linear-head training on Kvasir-SEG patches, the paper's own
 * set (Sec. 4.1). Target on the 2-core dev machine: 2,000 patches in under 10 minutes. Returns a JSON-able object.
 */
import { ensureInteger, type ProgressCallback } from '../core/index.js';
import type { FeatureKind } from '../head/index.js';
import { trainHeadOnDataset, writeTrainingRun } from '../pipeline/index.js';

export { benchFinetune, type FinetuneBenchOptions, type FinetuneBenchResult } from './finetune.js';

export interface TrainBenchOptions {
  readonly weightsPath: string;
  /** The Kvasir-SEG folder (images/ and masks/). */
  readonly dataRoot: string;
  /** Patches to use, a seeded subset of the balanced patch set (default 2000). */
  readonly patches?: number;
  /** Images whose masks are cut into patches (default: all); fewer makes the dataset stage faster. */
  readonly imageLimit?: number;
  readonly featureKind?: FeatureKind;
  readonly featureBatchSize?: number;
  readonly epochs?: number;
  readonly threads?: number;
  readonly seed?: number;
  /** Also write the trained head and its reports here (head.json, report.json, report.md, run.json). */
  readonly outDir?: string;
  readonly onProgress?: ProgressCallback;
}

export interface TrainBenchResult {
  readonly patches: number;
  readonly featureKind: FeatureKind;
  readonly inputSize: number;
  readonly datasetSeconds: number;
  readonly backboneLoadSeconds: number;
  /** Normalisation statistics plus feature extraction for train, validation and test. */
  readonly featureSecondsTotal: number;
  readonly trainSeconds: number;
  readonly totalSeconds: number;
  /** Feature time per patch. */
  readonly msPerPatch: number;
  readonly epochsRun: number;
  readonly valAccuracy: number | null;
  readonly valBalancedAccuracy: number | null;
  readonly valRocAuc: number | null;
  readonly peakRssMB: number;
}

const seconds = (ms: number | undefined): number => (ms ?? 0) / 1000;

export async function benchTrain(options: TrainBenchOptions): Promise<TrainBenchResult> {
  const patches = ensureInteger(options.patches ?? 2000, 'the benchmark patches', { min: 10 });
  const featureKind = options.featureKind ?? 'cls';
  const started = performance.now();
  const run = await trainHeadOnDataset({
    dataset: 'kvasir-seg', dataRoot: options.dataRoot, weightsPath: options.weightsPath, featureKind,
    augmentEpochs: 0, seed: options.seed ?? 0, maxItems: patches,
    ...(options.imageLimit ? { datasetOptions: { limit: options.imageLimit } } : {}),
    ...(options.featureBatchSize ? { featureBatchSize: options.featureBatchSize } : {}),
    ...(options.epochs ? { epochs: options.epochs } : {}),
    ...(options.threads ? { threads: options.threads } : {}),
  }, options.onProgress);
  const totalSeconds = (performance.now() - started) / 1000;
  if (options.outDir) await writeTrainingRun(options.outDir, run, 'bench train');
  const { timings, result } = run;
  const featureSecondsTotal = seconds(timings.normalisation) + seconds(timings.features);
  const used = run.dataset.items.length;
  return {
    patches: used, featureKind, inputSize: result.head.inputSize,
    datasetSeconds: seconds(timings.dataset), backboneLoadSeconds: seconds(timings.backbone),
    featureSecondsTotal, trainSeconds: seconds(timings.train), totalSeconds,
    msPerPatch: (1000 * featureSecondsTotal) / used,
    epochsRun: result.training.history.length,
    valAccuracy: result.report?.accuracy ?? null,
    valBalancedAccuracy: result.report?.balancedAccuracy ?? null,
    valRocAuc: result.report?.rocAuc ?? null,
    peakRssMB: process.resourceUsage().maxRSS / 1024,
  };
}
