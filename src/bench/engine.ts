/**
 * Engine benchmark: ViT-S/16 forward and forward + input gradient through onnxruntime, and the raw GEMM
 * throughput of the same runtime as the yardstick (the ViT is GEMM-bound). Returns a JSON-able object.
 */
import { createProgressTracker, createRng, ensureInteger, type ProgressCallback } from '../core/index.js';
import type { StateDict } from '../backbone/state-dict.js';
import { resolveVitConfig, VIT_SMALL_16, vitTensorShapes, type VitConfig } from '../backbone/vit-config.js';
import { VitModel } from '../backbone/vit-model.js';
import { GraphBuilder, GraphSession, type SessionOptions } from '../graph/index.js';

export interface EngineBenchOptions {
  /** Weights matching `config`; random ones of the right shapes when absent (speed does not depend on values). */
  readonly stateDict?: StateDict;
  /** The ViT to time; default ViT-S/16. A tiny one (e.g. dim 16, depth 1, imageSize 32) makes a quick smoke run. */
  readonly config?: Partial<VitConfig>;
  /** Input side in pixels; default the config's imageSize. */
  readonly inputSize?: number;
  readonly batch?: number;
  readonly runs?: number;
  readonly threads?: number;
  readonly classes?: number;
  /** onnxruntime graph optimisation level; default the session's ('extended'). */
  readonly optimizationLevel?: SessionOptions['optimizationLevel'];
  /** Let idle onnxruntime threads spin (default false, see GraphSession). */
  readonly spinning?: boolean;
  /** Also time the raw GEMM yardstick (default true). */
  readonly gemm?: boolean;
  readonly onProgress?: ProgressCallback;
}

export interface EngineBenchResult {
  readonly config: VitConfig;
  readonly inputSize: number;
  readonly optimizationLevel: string;
  readonly batch: number;
  readonly threads: number;
  readonly runs: number;
  readonly forwardMsPerImage: number;
  readonly gradMsPerImage: number;
  readonly forwardBatchMsMedian: number;
  readonly gradBatchMsMedian: number;
  readonly forwardBatchMs: number[];
  readonly gradBatchMs: number[];
  /** Median process CPU ms per image (all threads): the load-robust figure on a shared machine. */
  readonly forwardCpuMsPerImage: number;
  readonly gradCpuMsPerImage: number;
  readonly spinning: boolean;
  readonly sessionBuildMs: { forward: number; grad: number };
  /** null when the GEMM yardstick was skipped. */
  readonly gemmGflops: number | null;
  readonly peakRssMB: number;
}

const median = (values: readonly number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/** Random weights with the config's DINO/timm names and shapes (uniform, small). */
export function randomVitWeights(config: VitConfig = VIT_SMALL_16, seed = 0): StateDict {
  const rng = createRng(seed);
  const dict: StateDict = new Map();
  for (const [name, shape] of vitTensorShapes(config)) {
    const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
    for (let i = 0; i < data.length; i++) data[i] = (rng.next() - 0.5) * 0.1;
    dict.set(name, { shape, data });
  }
  return dict;
}

interface RunTimes {
  readonly wallMs: number[];
  /** Process CPU time (user + system, all threads) per run: unlike wall time, barely moved by other load. */
  readonly cpuMs: number[];
}

async function timeRuns(runs: number, run: () => Promise<unknown>, onRun: () => void): Promise<RunTimes> {
  await run(); // warm-up: first run allocates arenas
  const times: RunTimes = { wallMs: [], cpuMs: [] };
  for (let i = 0; i < runs; i++) {
    const [start, cpuStart] = [performance.now(), process.cpuUsage()];
    await run();
    const cpu = process.cpuUsage(cpuStart);
    times.wallMs.push(performance.now() - start);
    times.cpuMs.push((cpu.user + cpu.system) / 1000);
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
  return (2 * m * k * n) / (median(times.wallMs) * 1e6);
}

/**
 * Median batch times of the ViT forward (logits) and forward + input gradient (the vector-Jacobian product
 * Integrated Gradients needs, Sundararajan et al. 2017), after one warm-up run each; session builds apart.
 * @example const { gradMsPerImage } = await benchEngine({ batch: 8, runs: 5 });
 */
export async function benchEngine(options: EngineBenchOptions = {}): Promise<EngineBenchResult> {
  const batch = ensureInteger(options.batch ?? 8, 'the benchmark batch', { min: 1 });
  const runs = ensureInteger(options.runs ?? 5, 'the benchmark runs', { min: 1 });
  const threads = ensureInteger(options.threads ?? 2, 'the benchmark threads', { min: 1 });
  const classes = ensureInteger(options.classes ?? 2, 'the benchmark classes', { min: 1 });
  const config = resolveVitConfig(options.config);
  const side = options.inputSize ?? config.imageSize;
  const progress = createProgressTracker('bench-engine', 2 * runs + 1, options.onProgress);
  const rng = createRng(2);
  const head = { weight: Float32Array.from({ length: classes * config.dim }, () => rng.next() - 0.5), bias: new Float32Array(classes), features: 'cls' as const };
  const level = options.optimizationLevel;
  const spinning = options.spinning ?? false;
  const model = await VitModel.create(options.stateDict ?? randomVitWeights(config), config, { head, threads, inputSize: side, spinning, ...(level ? { optimizationLevel: level } : {}) });
  const image = 3 * side * side;
  const pixels = Float32Array.from({ length: batch * image }, () => rng.normal());
  const seed = new Float32Array(batch * classes).fill(1);
  try {
    let start = performance.now();
    await model.forward(pixels.subarray(0, image), 1, ['logits']);
    const forwardBuild = performance.now() - start;
    const forward = await timeRuns(runs, () => model.forward(pixels, batch, ['logits']), () => progress.advance());
    start = performance.now();
    await model.inputGradient(pixels.subarray(0, image), 1, seed.subarray(0, classes));
    const gradBuild = performance.now() - start;
    const grad = await timeRuns(runs, () => model.inputGradient(pixels, batch, seed), () => progress.advance());
    const gemmGflops = options.gemm === false ? null : await benchGemm(threads, runs);
    progress.advance();
    return {
      config, inputSize: side, optimizationLevel: level ?? 'extended', spinning, batch, threads, runs,
      forwardMsPerImage: median(forward.wallMs) / batch,
      gradMsPerImage: median(grad.wallMs) / batch,
      forwardBatchMsMedian: median(forward.wallMs),
      gradBatchMsMedian: median(grad.wallMs),
      forwardBatchMs: forward.wallMs, gradBatchMs: grad.wallMs,
      forwardCpuMsPerImage: median(forward.cpuMs) / batch,
      gradCpuMsPerImage: median(grad.cpuMs) / batch,
      sessionBuildMs: { forward: forwardBuild, grad: gradBuild },
      gemmGflops,
      peakRssMB: process.resourceUsage().maxRSS / 1024,
    };
  } finally {
    await model.dispose();
  }
}
