/**
 * Whole-pipeline benchmark (paper Alg. 1): seconds per image for the four variants, at the default settings
 * and at the fast preset, split into explain (IG x NoiseTunnel plus the feature map and fusion, Sec. 3.3-3.5),
 * mask (morphology or Normalized Cut, Sec. 3.5) and crf (DenseCRF, Sec. 3.6). The explanation dominates and
 * is the same for all four variants (it always computes the relevance and the fused map), so it is timed
 * once per setting and image; each variant's mask and CRF are timed on that shared explanation.
 */
import { cpus, loadavg } from 'node:os';
import {
  createImageTensor, createProgressTracker, createRng, ensureInteger, type ImageTensor, type ProgressCallback,
} from '../core/index.js';
import { VIT_SMALL_16 } from '../backbone/vit-config.js';
import type { ExplainableModel } from '../backbone/explainable-model.js';
import { VitModel } from '../backbone/vit-model.js';
import { loadWeights } from '../backbone/weights/index.js';
import { IMAGENET_NORMALISATION, readImage } from '../data/index.js';
import { createLinearHead, type HeadModel } from '../head/index.js';
import { explainImage, fastPreset, loadClassifier, patchKeys, resolveConfig, segmentFromExplanation, variantNames, type PartialPipelineConfig, type VariantName } from '../pipeline/index.js';
import { vitConfigFromStateDict } from '../backbone/load-backbone.js';
import { initialVitWeights } from './explain.js';

export interface PipelineBenchOptions {
  /** ViT weights; default ViT-S/16 at initialisation (speed does not depend on the values). */
  readonly weightsPath?: string;
  /** A head trained on these weights; default a seeded random 2-class head. */
  readonly headPath?: string;
  /** Images to run; default two seeded synthetic 300x360 blobs. */
  readonly imagePaths?: readonly string[];
  /** Timed runs per image (default 1); the explanation is slow (minutes per image at the defaults on 2 cores). */
  readonly runs?: number;
  readonly threads?: number;
  readonly seed?: number;
  /** Settings to time, as partial configs over each variant (default: `default` = {} and `fast` = fastPreset). */
  readonly settings?: Readonly<Record<string, PartialPipelineConfig>>;
  /** A ready classifier (tests inject a tiny one); the caller disposes it. */
  readonly classifier?: { readonly model: ExplainableModel; readonly head: HeadModel; readonly weights: string };
  readonly onProgress?: ProgressCallback;
}

/** Seconds per image of one variant's own stages, and its total with the shared explanation. */
export interface VariantSeconds {
  /** Whether the DenseCRF step ran (false when the setting disables it; then `crf` is 0). */
  readonly crfApplied: boolean;
  readonly mask: number;
  readonly crf: number;
  readonly total: number;
}

export interface SettingSeconds {
  /** The explanation settings in effect (the rest of the config is each variant's default). */
  readonly explain: { readonly nSteps: number; readonly ntSamples: number; readonly method: string };
  readonly explainSeconds: number;
  readonly variants: Record<VariantName, VariantSeconds>;
}

export interface PipelineBenchResult {
  readonly weights: string;
  readonly head: string;
  readonly inputSize: number;
  readonly images: number;
  readonly runs: number;
  readonly threads: number;
  readonly settings: Record<string, SettingSeconds>;
  /** `setting/variant` -> total seconds per image, for a one-line comparison. */
  readonly secondsPerImage: Record<string, number>;
  readonly machine: { readonly cpuModel: string; readonly cores: number; readonly loadAverageStart: number[]; readonly loadAverageEnd: number[] };
}

const DEFAULT_SETTINGS: Readonly<Record<string, PartialPipelineConfig>> = { default: {}, fast: fastPreset };

function randomHead(dim: number, inputSize: number, seed: number): HeadModel {
  const rng = createRng(seed);
  const weight = Float32Array.from({ length: 2 * dim }, () => rng.normal() / Math.sqrt(dim));
  return {
    head: createLinearHead(['class-0', 'class-1'], dim, weight), featureKind: 'cls', inputSize,
    normalisation: IMAGENET_NORMALISATION, backbone: { sha256: '0'.repeat(64), config: null }, training: { seed, config: null },
  };
}

async function benchClassifier(options: PipelineBenchOptions, threads: number): Promise<{ model: ExplainableModel; head: HeadModel; weights: string; owned: boolean }> {
  if (options.classifier) return { ...options.classifier, owned: false };
  if (options.weightsPath && options.headPath) {
    const { model, head } = await loadClassifier({ weightsPath: options.weightsPath, headPath: options.headPath, threads });
    return { model, head, weights: options.weightsPath, owned: true };
  }
  const stateDict = options.weightsPath ? (await loadWeights(options.weightsPath)).stateDict : initialVitWeights(options.seed ?? 0);
  const config = options.weightsPath ? vitConfigFromStateDict(stateDict, { file: options.weightsPath }) : VIT_SMALL_16;
  const head = randomHead(config.dim, config.imageSize, (options.seed ?? 0) + 1);
  const model = await VitModel.create(stateDict, config, { head: { weight: head.head.weight, bias: head.head.bias, features: 'cls' }, threads });
  return { model, head, weights: options.weightsPath ?? 'ViT-S/16 at initialisation (seeded)', owned: true };
}

/** A bright blob on a ramp with a little noise: enough structure for the cuts to have work to do. */
export function syntheticBlobImage(seed: number, rows = 300, cols = 360): ImageTensor {
  const rng = createRng(seed);
  const [cy, cx, radius] = [rows * (0.3 + 0.4 * rng.next()), cols * (0.3 + 0.4 * rng.next()), rows * (0.1 + 0.15 * rng.next())];
  const image = createImageTensor(3, rows, cols);
  const plane = rows * cols;
  for (let i = 0; i < plane; i++) {
    const blob = Math.exp(-((Math.floor(i / cols) - cy) ** 2 + ((i % cols) - cx) ** 2) / (2 * radius * radius));
    for (let c = 0; c < 3; c++) image.data[c * plane + i] = Math.min(1, 0.15 + 0.25 * ((i % cols) / cols) + (0.6 - 0.15 * c) * blob + 0.03 * rng.next());
  }
  return image;
}

/** Session builds (one per output set) are one-off costs, not per-image work: build the ones explainImage uses. */
async function warmUp(model: ExplainableModel): Promise<void> {
  const zeros = new Float32Array(3 * model.rows * model.cols);
  await model.forward(zeros, 1, ['logits', 'attention', 'patchTokens']);
  await model.forward(zeros, 1, ['logits']);
  await model.inputGradient(zeros, 1, new Float32Array(model.classes));
}

const mean = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);
const round = (seconds: number): number => Math.round(seconds * 1e4) / 1e4;

/** One setting over all images and runs: one explanation per (image, run), then the four variants' cuts on it. */
async function timeSetting(
  images: readonly ImageTensor[],
  classifier: { model: ExplainableModel; head: HeadModel },
  options: { overrides: PartialPipelineConfig; runs: number; seed: number; advance: () => void },
): Promise<SettingSeconds> {
  const { model, head } = classifier;
  const configs = variantNames.map((name) => ({ name, config: resolveConfig(name, options.overrides, { seed: options.seed }) }));
  const explainMs: number[] = [];
  const stageMs = Object.fromEntries(variantNames.map((name) => [name, { mask: [] as number[], crf: [] as number[], crfRuns: 0 }]));
  for (const image of images) {
    for (let run = 0; run < options.runs; run++) {
      const explanation = await explainImage(image, { model, head, config: configs[0]!.config });
      explainMs.push(explanation.timingsMs.total!);
      for (const { name, config } of configs) {
        const started = performance.now();
        const needsKeys = config.mask.method === 'ncut' && config.mask.ncut.graph === 'patch';
        const keys = needsKeys ? await patchKeys({ model, head }, image) : undefined;
        const keysMs = performance.now() - started;
        const cut = segmentFromExplanation(image, explanation, { config, grid: { rows: model.rows, cols: model.cols }, ...(keys ? { keys } : {}) });
        stageMs[name]!.mask.push(keysMs + cut.timingsMs.mask!);
        stageMs[name]!.crf.push(cut.timingsMs.crf ?? 0);
        if (cut.timingsMs.crf !== undefined) stageMs[name]!.crfRuns++;
      }
      options.advance();
    }
  }
  const explainSeconds = mean(explainMs) / 1000;
  const variants = Object.fromEntries(variantNames.map((name) => {
    const mask = mean(stageMs[name]!.mask) / 1000;
    const crf = mean(stageMs[name]!.crf) / 1000;
    const crfApplied = stageMs[name]!.crfRuns > 0;
    return [name, { crfApplied, mask: round(mask), crf: round(crf), total: round(explainSeconds + mask + crf) }];
  })) as Record<VariantName, VariantSeconds>;
  const { nSteps, ntSamples, method } = configs[0]!.config.explain;
  return { explain: { nSteps, ntSamples, method }, explainSeconds: round(explainSeconds), variants };
}

/**
 * Time the four variants at each setting. Slow at the defaults (the explanation is minutes per image on
 * 2 cores): run it alone, with few images.
 *
 * @example const result = await benchPipeline({ weightsPath: 'vit-s16.safetensors', headPath: 'runs/demo-kvasir-seg/head/head.json', imagePaths: ['a.jpg'], runs: 1 });
 */
export async function benchPipeline(options: PipelineBenchOptions = {}): Promise<PipelineBenchResult> {
  const loadAverageStart = loadavg();
  const runs = ensureInteger(options.runs ?? 1, 'the benchmark runs', { min: 1 });
  const threads = ensureInteger(options.threads ?? 2, 'the benchmark threads', { min: 1 });
  const seed = options.seed ?? 0;
  const settings = options.settings ?? DEFAULT_SETTINGS;
  const classifier = await benchClassifier(options, threads);
  try {
    const images = options.imagePaths && options.imagePaths.length > 0
      ? await Promise.all(options.imagePaths.map((path) => readImage(path)))
      : [syntheticBlobImage(seed + 10), syntheticBlobImage(seed + 11)];
    const progress = createProgressTracker('bench-pipeline', Object.keys(settings).length * images.length * runs, options.onProgress);
    await warmUp(classifier.model);
    const timed: Record<string, SettingSeconds> = {};
    for (const [name, overrides] of Object.entries(settings)) {
      timed[name] = await timeSetting(images, classifier, { overrides, runs, seed, advance: () => progress.advance(1, name) });
    }
    const secondsPerImage = Object.fromEntries(Object.entries(timed).flatMap(([name, setting]) =>
      variantNames.map((variant) => [`${name}/${variant}`, setting.variants[variant].total])));
    const cpu = cpus();
    return {
      weights: classifier.weights, head: options.headPath ?? (options.classifier ? 'injected' : 'random 2-class head (seeded)'),
      inputSize: classifier.model.rows, images: images.length, runs, threads, settings: timed, secondsPerImage,
      machine: { cpuModel: cpu[0]?.model.trim() ?? 'unknown', cores: cpu.length, loadAverageStart, loadAverageEnd: loadavg() },
    };
  } finally {
    if (classifier.owned) await classifier.model.dispose();
  }
}
