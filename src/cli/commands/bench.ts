import { cpus, loadavg, platform, release, totalmem } from 'node:os';
import { resolve } from 'node:path';
import * as ort from 'onnxruntime-node';
import { invalid, type ProgressCallback } from '../../core/index.js';
import type { Command, ParsedArgs } from '../command.js';
import { choiceFlag, integerFlag, stringFlag, withoutEmptyFlags } from '../flags.js';
import { createProgressBar } from '../progress-bar.js';

export const BENCHMARKS = ['engine', 'train', 'explain', 'postprocess', 'pipeline'] as const;
export type BenchmarkName = (typeof BENCHMARKS)[number];

const usage = `Usage: explainseg bench ${BENCHMARKS.join('|')} [--json] [options]

Time one stage (or the whole pipeline) and print a short table, or with --json exactly one JSON object
on stdout (progress goes to stderr). Every result carries a machine description with the load average
at start and end, so runs on a busy machine are visible.

Options:
  --json               one JSON object on stdout instead of the table
  --runs N             timed runs (after a warm-up)
  --batch N            images per batch (engine; train with --finetune-blocks)
  --threads N          onnxruntime intra-op threads (default 2)
  --weights FILE       ViT weights (.pth, .safetensors, .npy); engine: random ViT-S/16 weights when absent
  --data DIR           dataset folder (train: Kvasir-SEG)
  --head FILE          a trained head.json (explain)
  --images LIST        comma-separated image files (explain)
  --patches N          patches to train on (train, default 2000)
  --epochs N           head training epochs (train)
  --level LEVEL        onnxruntime graph optimisation: extended (default) | all (engine)
  --skip-gemm          leave out the raw GEMM yardstick (engine)
  --out DIR            also write the benchmark's run outputs here (train)
  --finetune-blocks N  train: time one epoch of fine-tuning the last N blocks with the head instead
  --compare-pytorch    train with --finetune-blocks: time the same epoch in PyTorch too (/usr/bin/python3)
  --pytorch-batches N  batches PyTorch times, scaled to the epoch (default 2; 0 = all: Debian's torch has a
                       generic BLAS, a whole epoch takes hours)`;

const options = {
  json: { type: 'boolean' },
  runs: { type: 'string' },
  batch: { type: 'string' },
  threads: { type: 'string' },
  weights: { type: 'string' },
  data: { type: 'string' },
  head: { type: 'string' },
  images: { type: 'string' },
  patches: { type: 'string' },
  epochs: { type: 'string' },
  level: { type: 'string' },
  'skip-gemm': { type: 'boolean' },
  out: { type: 'string' },
  'finetune-blocks': { type: 'string' },
  'compare-pytorch': { type: 'boolean' },
  'pytorch-batches': { type: 'string' },
} as const;

type OptionName = keyof typeof options;

/** The flags a benchmark may read, already validated; absent flags are left out. */
export interface BenchFlags {
  readonly runs?: number;
  readonly batch?: number;
  readonly threads?: number;
  readonly epochs?: number;
  readonly patches?: number;
  readonly weightsPath?: string;
  readonly dataRoot?: string;
  readonly headPath?: string;
  readonly imagePaths?: string[];
  readonly level?: 'extended' | 'all';
  readonly skipGemm?: boolean;
  readonly outDir?: string;
  readonly finetuneBlocks?: number;
  readonly comparePytorch?: boolean;
  readonly pytorchBatches?: number;
}

/** Runs one benchmark; the result must be JSON-able. */
export type BenchRunner = (flags: BenchFlags, onProgress: ProgressCallback) => Promise<Record<string, unknown>>;
/** Imports a benchmark module on demand (each pulls in the engine), so `bench engine` does not load the rest. */
export type BenchLoader = () => Promise<BenchRunner>;

export interface MachineDescription {
  readonly cpuModel: string;
  readonly cores: number;
  readonly totalMemoryGB: number;
  readonly platform: string;
  readonly node: string;
  readonly onnxruntime: string;
  readonly loadAverageStart: number[];
  readonly loadAverageEnd: number[];
}

const defined = <T extends object>(record: T): T => Object.fromEntries(Object.entries(record).filter(([, v]) => v !== undefined)) as T;

/** Validated flags; a flag given as an empty string counts as not given. */
export function parseBenchFlags(args: ParsedArgs): BenchFlags {
  const values = withoutEmptyFlags(args.values);
  const path = (name: OptionName): string | undefined => {
    const text = stringFlag(values, name);
    return text === undefined ? undefined : resolve(text);
  };
  return defined({
    runs: integerFlag(values, 'runs', { min: 1 }), batch: integerFlag(values, 'batch', { min: 1 }), threads: integerFlag(values, 'threads', { min: 1 }),
    epochs: integerFlag(values, 'epochs', { min: 1 }), patches: integerFlag(values, 'patches', { min: 10 }),
    weightsPath: path('weights'), dataRoot: path('data'), headPath: path('head'), outDir: path('out'),
    imagePaths: stringFlag(values, 'images')?.split(',').map((file) => resolve(file)),
    level: choiceFlag(values, 'level', ['extended', 'all'] as const),
    skipGemm: values['skip-gemm'] === true ? true : undefined,
    finetuneBlocks: integerFlag(values, 'finetune-blocks', { min: 0 }),
    comparePytorch: values['compare-pytorch'] === true ? true : undefined,
    pytorchBatches: integerFlag(values, 'pytorch-batches', { min: 0 }),
  });
}

/** CPU, memory, runtime versions and the 1/5/15-minute load averages (start given, end taken now). */
export function describeMachine(loadAverageStart: number[]): MachineDescription {
  const cpu = cpus();
  return {
    cpuModel: cpu[0]?.model.trim() ?? 'unknown', cores: cpu.length,
    totalMemoryGB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    platform: `${platform()} ${release()}`, node: process.version,
    onnxruntime: ort.env.versions.node ?? ort.env.versions.common,
    loadAverageStart, loadAverageEnd: loadavg(),
  };
}

const required = (value: string | undefined, flag: string, benchmark: string): string => {
  if (value === undefined) throw invalid('a value', `--${flag} (needed by bench ${benchmark})`, value);
  return value;
};

type EngineModule = typeof import('../../bench/engine.js');
type TrainModule = typeof import('../../bench/train.js');
type ExplainModule = typeof import('../../bench/explain.js');
type PostprocessModule = typeof import('../../bench/postprocess.js');
type PipelineModule = typeof import('../../bench/pipeline.js');

async function runEngine({ benchEngine }: EngineModule, flags: BenchFlags, onProgress: ProgressCallback): Promise<Record<string, unknown>> {
  let loaded: Pick<Parameters<typeof benchEngine>[0] & object, 'stateDict' | 'config'> = {};
  let weights: Record<string, unknown> = { source: 'random', note: 'seeded random ViT-S/16 weights (speed does not depend on values)' };
  if (flags.weightsPath) {
    const { loadWeights, vitConfigFromStateDict } = await import('../../backbone/index.js');
    const file = await loadWeights(flags.weightsPath);
    loaded = { stateDict: file.stateDict, config: vitConfigFromStateDict(file.stateDict, { file: flags.weightsPath }) };
    weights = { source: 'file', path: flags.weightsPath, sha256: file.sha256 };
  }
  const result = await benchEngine({
    ...loaded, onProgress,
    ...defined({ batch: flags.batch, runs: flags.runs, threads: flags.threads, optimizationLevel: flags.level, gemm: flags.skipGemm ? false : undefined }),
  });
  return { weights, ...result };
}

async function runTrain({ benchTrain, benchFinetune }: TrainModule, flags: BenchFlags, onProgress: ProgressCallback): Promise<Record<string, unknown>> {
  const weightsPath = required(flags.weightsPath, 'weights', 'train');
  const dataRoot = required(flags.dataRoot, 'data', 'train');
  if (flags.comparePytorch && !flags.finetuneBlocks) throw invalid('--finetune-blocks >= 1', '--compare-pytorch', flags.finetuneBlocks ?? 0);
  if (flags.finetuneBlocks) {
    const options = defined({ patches: flags.patches, batch: flags.batch, threads: flags.threads, comparePytorch: flags.comparePytorch, pytorchBatches: flags.pytorchBatches });
    return { ...(await benchFinetune({ weightsPath, dataRoot, blocks: flags.finetuneBlocks, onProgress, ...options })) };
  }
  return { ...(await benchTrain({ weightsPath, dataRoot, onProgress, ...defined({ patches: flags.patches, epochs: flags.epochs, threads: flags.threads, outDir: flags.outDir }) })) };
}

async function runExplain({ benchExplain }: ExplainModule, flags: BenchFlags, onProgress: ProgressCallback): Promise<Record<string, unknown>> {
  return { ...(await benchExplain({ onProgress, ...defined({ weightsPath: flags.weightsPath, headPath: flags.headPath, imagePaths: flags.imagePaths, runs: flags.runs, threads: flags.threads }) })) };
}

async function runPostprocess({ benchPostprocess }: PostprocessModule, flags: BenchFlags, onProgress: ProgressCallback): Promise<Record<string, unknown>> {
  return { ...(await benchPostprocess({ ...flags, onProgress })) };
}

async function runPipeline({ benchPipeline }: PipelineModule, flags: BenchFlags, onProgress: ProgressCallback): Promise<Record<string, unknown>> {
  return { ...(await benchPipeline({ ...flags, onProgress })) };
}

export const defaultBenchLoaders: Readonly<Record<BenchmarkName, BenchLoader>> = {
  engine: async () => {
    const module = await import('../../bench/engine.js');
    return (flags, onProgress) => runEngine(module, flags, onProgress);
  },
  train: async () => {
    const module = await import('../../bench/train.js');
    return (flags, onProgress) => runTrain(module, flags, onProgress);
  },
  explain: async () => {
    const module = await import('../../bench/explain.js');
    return (flags, onProgress) => runExplain(module, flags, onProgress);
  },
  postprocess: async () => {
    const module = await import('../../bench/postprocess.js');
    return (flags, onProgress) => runPostprocess(module, flags, onProgress);
  },
  pipeline: async () => {
    const module = await import('../../bench/pipeline.js');
    return (flags, onProgress) => runPipeline(module, flags, onProgress);
  },
};

/** One line per field (nested objects one level deep as dotted keys): numbers rounded, number arrays inline, the rest as JSON. */
export function formatBenchTable(name: string, result: Record<string, unknown>, machine: MachineDescription): string {
  const show = (value: unknown): string => {
    if (typeof value === 'number') return Number.isInteger(value) ? String(value) : value.toFixed(Math.abs(value) >= 100 ? 0 : 3);
    if (Array.isArray(value) && value.every((v) => typeof v === 'number')) return value.map(show).join(' ');
    return typeof value === 'string' ? value : JSON.stringify(value);
  };
  const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
  // One level of nesting becomes dotted keys (postprocess reports one object per stage).
  const rows = Object.entries(result).flatMap(([key, value]) =>
    isRecord(value) ? Object.entries(value).map(([sub, inner]) => [`${key}.${sub}`, show(inner)] as const) : [[key, show(value)] as const]);
  const width = Math.max(...rows.map(([key]) => key.length));
  const load = (values: number[]): string => values.map((v) => v.toFixed(2)).join(' ');
  return [
    `bench ${name} on ${machine.cpuModel} (${machine.cores} cores, ${machine.totalMemoryGB} GB), node ${machine.node}, onnxruntime ${machine.onnxruntime}`,
    `load average ${load(machine.loadAverageStart)} at start, ${load(machine.loadAverageEnd)} at end`,
    ...rows.map(([key, value]) => `  ${key.padEnd(width)}  ${value}`),
  ].join('\n') + '\n';
}

/** The bench command over a set of loaders (tests inject their own). */
export function createBenchCommand(loaders: Readonly<Record<BenchmarkName, BenchLoader>> = defaultBenchLoaders): Command {
  return {
    name: 'bench',
    summary: `time a stage or the pipeline (${BENCHMARKS.join(', ')})`,
    usage,
    options,
    async run(args, io) {
      const [name, ...extra] = args.positionals;
      if (name === undefined || extra.length > 0 || !(BENCHMARKS as readonly string[]).includes(name)) {
        io.stderr.write(`explainseg bench: expected one of ${BENCHMARKS.join(', ')} but received ${args.positionals.length ? `'${args.positionals.join(' ')}'` : 'nothing'}\n\n${usage}\n`);
        return 2;
      }
      const benchmark = name as BenchmarkName;
      const flags = parseBenchFlags(args);
      const runner = await loaders[benchmark]();
      const loadAverageStart = loadavg();
      const startedAt = new Date().toISOString();
      const result = await runner(flags, createProgressBar(io));
      const machine = describeMachine(loadAverageStart);
      if (args.values.json === true) io.stdout.write(`${JSON.stringify({ benchmark, startedAt, machine, result })}\n`);
      else io.stdout.write(formatBenchTable(benchmark, result, machine));
      return 0;
    },
  };
}

export const benchCommand: Command = createBenchCommand();

export default benchCommand;
