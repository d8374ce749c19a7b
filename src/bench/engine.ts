/**
 * Engine benchmark: ViT-S/16 forward and forward + input gradient through onnxruntime, and the raw GEMM
 * throughput of the same runtime as the yardstick (the ViT is GEMM-bound). Returns a JSON-able object.
 */
import { createProgressTracker, createRng, ensureInteger, type ProgressCallback } from '../core/index.js';
import type { StateDict } from '../backbone/state-dict.js';
import { VIT_SMALL_16, vitTensorShapes } from '../backbone/vit-config.js';
import { VitModel } from '../backbone/vit-model.js';
import { GraphBuilder, GraphSession } from '../graph/index.js';

export interface EngineBenchOptions {
  /** ViT-S/16 weights; random ones of the right shapes when absent (speed does not depend on values). */
  readonly stateDict?: StateDict;
  readonly batch?: number;
  readonly runs?: number;
  readonly threads?: number;
  readonly classes?: number;
  readonly onProgress?: ProgressCallback;
}

export interface EngineBenchResult {
  readonly batch: number;
  readonly threads: number;
  readonly runs: number;
  readonly forwardMsPerImage: number;
  readonly gradMsPerImage: number;
  readonly forwardBatchMsMedian: number;
  readonly gradBatchMsMedian: number;
  readonly forwardBatchMs: number[];
  readonly gradBatchMs: number[];
  readonly sessionBuildMs: { forward: number; grad: number };
  readonly gemmGflops: number;
  readonly peakRssMB: number;
}

const median = (values: readonly number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/** Random weights with ViT-S/16's names and shapes (uniform, small). */
export function randomVitSmallWeights(seed = 0): StateDict {
  const rng = createRng(seed);
  const dict: StateDict = new Map();
  for (const [name, shape] of vitTensorShapes(VIT_SMALL_16)) {
    const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
    for (let i = 0; i < data.length; i++) data[i] = (rng.next() - 0.5) * 0.1;
    dict.set(name, { shape, data });
  }
  return dict;
}

async function timeRuns(runs: number, run: () => Promise<unknown>, onRun: () => void): Promise<number[]> {
  await run(); // warm-up: first run allocates arenas
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await run();
    times.push(performance.now() - start);
    onRun();
  }
  return times;
}

/** GFLOP/s of a plain [1576, 384] @ [384, 1536] MatMul (ViT-S/16's fc1 at batch 8) in onnxruntime. */
export async function benchGemm(threads: number, runs: number): Promise<number> {
  const [m, k, n] = [1576, 384, 1536];
  const rng = createRng(1);
  const g = new GraphBuilder();
  const a = g.input('a', [m, k]);
  const b = g.weight('b', [k, n], Float32Array.from({ length: k * n }, () => rng.next()));
  const [product] = g.node('MatMul', [a, b], [[m, n]]);
  const session = await GraphSession.create(g.toModel({ product: product! }), { threads });
  const feed = { a: { data: Float32Array.from({ length: m * k }, () => rng.next()), dims: [m, k] } };
  const times = await timeRuns(runs, () => session.run(feed), () => undefined);
  await session.dispose();
  return (2 * m * k * n) / (median(times) * 1e6);
}

export async function benchEngine(options: EngineBenchOptions = {}): Promise<EngineBenchResult> {
  const batch = ensureInteger(options.batch ?? 8, 'the benchmark batch', { min: 1 });
  const runs = ensureInteger(options.runs ?? 5, 'the benchmark runs', { min: 1 });
  const threads = ensureInteger(options.threads ?? 2, 'the benchmark threads', { min: 1 });
  const classes = ensureInteger(options.classes ?? 2, 'the benchmark classes', { min: 1 });
  const progress = createProgressTracker('bench-engine', 2 * runs + 1, options.onProgress);
  const rng = createRng(2);
  const head = { weight: Float32Array.from({ length: classes * VIT_SMALL_16.dim }, () => rng.next() - 0.5), bias: new Float32Array(classes), features: 'cls' as const };
  const model = await VitModel.create(options.stateDict ?? randomVitSmallWeights(), VIT_SMALL_16, { head, threads });
  const pixels = Float32Array.from({ length: batch * 3 * 224 * 224 }, () => rng.normal());
  const seed = new Float32Array(batch * classes).fill(1);
  try {
    let start = performance.now();
    await model.forward(pixels.subarray(0, 3 * 224 * 224), 1, ['logits']);
    const forwardBuild = performance.now() - start;
    const forwardBatchMs = await timeRuns(runs, () => model.forward(pixels, batch, ['logits']), () => progress.advance());
    start = performance.now();
    await model.inputGradient(pixels.subarray(0, 3 * 224 * 224), 1, seed.subarray(0, classes));
    const gradBuild = performance.now() - start;
    const gradBatchMs = await timeRuns(runs, () => model.inputGradient(pixels, batch, seed), () => progress.advance());
    const gemmGflops = await benchGemm(threads, runs);
    progress.advance();
    return {
      batch, threads, runs,
      forwardMsPerImage: median(forwardBatchMs) / batch,
      gradMsPerImage: median(gradBatchMs) / batch,
      forwardBatchMsMedian: median(forwardBatchMs),
      gradBatchMsMedian: median(gradBatchMs),
      forwardBatchMs, gradBatchMs,
      sessionBuildMs: { forward: forwardBuild, grad: gradBuild },
      gemmGflops,
      peakRssMB: process.resourceUsage().maxRSS / 1024,
    };
  } finally {
    await model.dispose();
  }
}
