/**
 * Explain-stage benchmark (paper Sec. 3.3): seconds per image for Integrated Gradients (Sundararajan et al.
 * 2017; 50 Gauss-Legendre steps) x NoiseTunnel (Smilkov et al. 2017; 5 samples) on ViT-S/16 at 224, and the
 * quadrature error mean |delta| / |F(x) - F(x')| per step count and rule, NoiseTunnel off so the delta is
 * the path integral's error alone. Returns a JSON-able object.
 */
import { createImageTensor, createProgressTracker, createRng, ensureInteger, type ImageTensor, type ProgressCallback } from '../core/index.js';
import type { QuadratureMethod } from '../attribution/index.js';
import type { StateDict } from '../backbone/state-dict.js';
import { VIT_SMALL_16, vitTensorShapes, type VitConfig } from '../backbone/vit-config.js';
import type { ExplainableModel } from '../backbone/explainable-model.js';
import { VitModel } from '../backbone/vit-model.js';
import { loadWeights } from '../backbone/weights/index.js';
import { IMAGENET_NORMALISATION, readImage } from '../data/index.js';
import { createLinearHead, type HeadModel } from '../head/index.js';
import { defaultConfig, explainImage, loadClassifier, mergeConfig, type ConvergenceStats } from '../pipeline/index.js';
import { vitConfigFromStateDict } from '../backbone/load-backbone.js';

export interface ExplainBenchOptions {
  /** ViT-S/16 weights; default freshly initialised ones (speed does not depend on values; deltas do). */
  readonly weightsPath?: string;
  /** A head for these weights; default a seeded random 2-class linear head. */
  readonly headPath?: string;
  /** Images to explain; default seeded synthetic blobs. The first is timed, the first `deltaImages` fill the table. */
  readonly imagePaths?: readonly string[];
  readonly runs?: number;
  readonly threads?: number;
  readonly deltaImages?: number;
  readonly deltaSteps?: readonly number[];
  readonly deltaMethods?: readonly QuadratureMethod[];
  readonly seed?: number;
  readonly onProgress?: ProgressCallback;
}

export interface DeltaRow {
  readonly method: QuadratureMethod;
  readonly nSteps: number;
  /** Mean over images of |delta| / |F(x) - F(x')|. */
  readonly meanRelativeDelta: number;
  readonly meanAbsDelta: number;
}

export interface ExplainBenchResult {
  readonly weights: string;
  readonly inputSize: number;
  readonly threads: number;
  readonly runs: number;
  readonly setting: { readonly nSteps: 50; readonly method: 'gausslegendre'; readonly ntSamples: 5 };
  readonly secondsPerImage: number;
  readonly secondsPerImageRuns: number[];
  /** Median milliseconds per stage of the timed runs. */
  readonly stageMs: Record<string, number>;
  readonly deltaTable: DeltaRow[];
  readonly deltaImages: number;
  readonly peakRssMB: number;
}

const median = (values: readonly number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/** A ViT (default ViT-S/16) at initialisation as timm does it: N(0, 0.02) weights, zero biases, unit LayerNorm gains. */
export function initialVitWeights(seed = 0, config: VitConfig = VIT_SMALL_16): StateDict {
  const rng = createRng(seed);
  const dict: StateDict = new Map();
  for (const [name, shape] of vitTensorShapes(config)) {
    const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
    if (/norm\d?\.weight$/.test(name)) data.fill(1);
    else if (!name.endsWith('.bias')) for (let i = 0; i < data.length; i++) data[i] = 0.02 * rng.normal();
    dict.set(name, { shape, data });
  }
  return dict;
}

function randomHead(dim: number, seed: number): HeadModel {
  const rng = createRng(seed);
  const weight = Float32Array.from({ length: 2 * dim }, () => rng.normal() / Math.sqrt(dim));
  return {
    head: createLinearHead(['class-0', 'class-1'], dim, weight), featureKind: 'cls', inputSize: 224,
    normalisation: IMAGENET_NORMALISATION, backbone: { sha256: '0'.repeat(64), config: VIT_SMALL_16 }, training: { seed, config: null },
  };
}

async function benchClassifier(options: ExplainBenchOptions, threads: number): Promise<{ model: ExplainableModel; head: HeadModel; weights: string }> {
  if (options.weightsPath && options.headPath) {
    const { model, head } = await loadClassifier({ weightsPath: options.weightsPath, headPath: options.headPath, threads });
    return { model, head, weights: options.weightsPath };
  }
  const stateDict = options.weightsPath ? (await loadWeights(options.weightsPath)).stateDict : initialVitWeights(options.seed ?? 0);
  const config = options.weightsPath ? vitConfigFromStateDict(stateDict, { file: options.weightsPath }) : VIT_SMALL_16;
  const head = randomHead(config.dim, (options.seed ?? 0) + 1);
  const model = await VitModel.create(stateDict, config, { head: { weight: head.head.weight, bias: head.head.bias, features: 'cls' }, inputSize: 224, threads });
  return { model, head, weights: options.weightsPath ?? 'ViT-S/16 at initialisation (seeded)' };
}

/** A bright blob on a ramp, different per seed: enough structure for the attention and the gradients. */
function syntheticImage(seed: number, rows = 300, cols = 360): ImageTensor {
  const rng = createRng(seed);
  const [cy, cx, radius] = [rows * (0.3 + 0.4 * rng.next()), cols * (0.3 + 0.4 * rng.next()), rows * (0.1 + 0.15 * rng.next())];
  const image = createImageTensor(3, rows, cols);
  const plane = rows * cols;
  for (let i = 0; i < plane; i++) {
    const [y, x] = [Math.floor(i / cols), i % cols];
    const blob = Math.exp(-((y - cy) ** 2 + (x - cx) ** 2) / (2 * radius * radius));
    for (let c = 0; c < 3; c++) image.data[c * plane + i] = Math.min(1, 0.15 + 0.25 * (x / cols) + (0.6 - 0.15 * c) * blob + 0.03 * rng.next());
  }
  return image;
}

async function benchImages(options: ExplainBenchOptions, count: number): Promise<ImageTensor[]> {
  if (options.imagePaths && options.imagePaths.length > 0) return Promise.all(options.imagePaths.slice(0, Math.max(1, count)).map((path) => readImage(path)));
  return Array.from({ length: Math.max(1, count) }, (_, i) => syntheticImage((options.seed ?? 0) + 10 + i));
}

/**
 * Time the paper's setting and tabulate quadrature error. Slow (minutes at 224 on 2 cores): run it alone.
 * @example const result = await benchExplain({ runs: 1, weightsPath: '../shared/weights/vit-s16-ssl/vit-s16-ssl.safetensors' });
 */
export async function benchExplain(options: ExplainBenchOptions = {}): Promise<ExplainBenchResult> {
  const runs = ensureInteger(options.runs ?? 1, 'the benchmark runs', { min: 1 });
  const threads = ensureInteger(options.threads ?? 2, 'the benchmark threads', { min: 1 });
  const deltaImages = ensureInteger(options.deltaImages ?? 2, 'the delta images', { min: 0 });
  const deltaSteps = options.deltaSteps ?? [8, 16, 32, 50];
  const deltaMethods = options.deltaMethods ?? ['gausslegendre', 'riemann_middle'];
  const { model, head, weights } = await benchClassifier(options, threads);
  const images = await benchImages(options, Math.max(1, deltaImages));
  const progress = createProgressTracker('bench-explain', runs + deltaImages * deltaSteps.length * deltaMethods.length, options.onProgress);
  try {
    const timed = mergeConfig(defaultConfig, { inputSize: 224, explain: { nSteps: 50, method: 'gausslegendre', ntSamples: 5 } });
    await model.forward(new Float32Array(3 * 224 * 224), 1); // session builds are not per-image work
    const runsMs: Record<string, number>[] = [];
    for (let run = 0; run < runs; run++) {
      runsMs.push((await explainImage(images[0]!, { model, head, config: timed })).timingsMs);
      progress.advance();
    }
    const deltaTable: DeltaRow[] = [];
    for (const method of deltaMethods) {
      for (const nSteps of deltaSteps) {
        const config = mergeConfig(defaultConfig, { inputSize: 224, explain: { nSteps, method, ntSamples: 0 } });
        const stats: ConvergenceStats[] = [];
        for (const image of images.slice(0, deltaImages)) {
          stats.push((await explainImage(image, { model, head, config })).convergence);
          progress.advance();
        }
        const mean = (pick: (s: ConvergenceStats) => number): number => stats.reduce((sum, s) => sum + pick(s), 0) / Math.max(1, stats.length);
        deltaTable.push({ method, nSteps, meanRelativeDelta: mean((s) => s.relativeDelta), meanAbsDelta: mean((s) => s.meanAbsDelta) });
      }
    }
    const stageMs = Object.fromEntries(Object.keys(runsMs[0]!).map((stage) => [stage, median(runsMs.map((t) => t[stage]!))]));
    const secondsPerImageRuns = runsMs.map((t) => t.total! / 1000);
    return {
      weights, inputSize: 224, threads, runs, setting: { nSteps: 50, method: 'gausslegendre', ntSamples: 5 },
      secondsPerImage: median(secondsPerImageRuns), secondsPerImageRuns, stageMs,
      deltaTable, deltaImages, peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
    };
  } finally {
    await model.dispose();
  }
}
