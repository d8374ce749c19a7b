import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../src/core/index.js';
import type { ParsedArgs } from '../../src/cli/command.js';
import {
  BENCHMARKS, benchCommand, createBenchCommand, defaultBenchLoaders, describeMachine, formatBenchTable, parseBenchFlags,
  type BenchFlags,
} from '../../src/cli/commands/bench.js';
import { makeTempDir } from '../data/synthetic.js';
import { writeTinyVitSafetensors } from '../helpers/tiny-vit-weights.js';
import { fakeIo } from '../helpers/fake-io.js';

const args = (positionals: string[], values: ParsedArgs['values'] = {}): ParsedArgs => ({ positionals, values });

let weights: string;
beforeAll(async () => {
  weights = await writeTinyVitSafetensors(join(await makeTempDir('bench-cli-'), 'tiny.safetensors'));
});

describe('explainseg bench engine', () => {
  it('prints exactly one JSON object with the weights used, the settings and the machine', async () => {
    const io = fakeIo();
    const status = await benchCommand.run(args(['engine'], { json: true, weights, runs: '2', batch: '3', threads: '1', 'skip-gemm': true }), io);
    expect(status).toBe(0);
    const lines = io.out().trim().split('\n');
    expect(lines).toHaveLength(1);
    const report = JSON.parse(lines[0]!);
    const sha256 = createHash('sha256').update(readFileSync(weights)).digest('hex');
    expect(report.benchmark).toBe('engine');
    expect(report.result.weights).toEqual({ source: 'file', path: weights, sha256 });
    expect(report.result).toMatchObject({ batch: 3, runs: 2, threads: 1, inputSize: 16, optimizationLevel: 'extended', gemmGflops: null });
    expect(report.result.config).toMatchObject({ patchSize: 4, dim: 32, depth: 2 });
    expect(report.result.gradBatchMs).toHaveLength(2);
    expect(report.result.gradMsPerImage).toBeCloseTo(report.result.gradBatchMsMedian / 3, 6);
    expect(report.machine).toMatchObject({ cores: cpus().length, node: process.version, onnxruntime: '1.30.0' });
    expect(report.machine.loadAverageStart).toHaveLength(3);
    expect(report.machine.loadAverageEnd).toHaveLength(3);
    expect(io.err()).toMatch(/bench-engine \[#+\] 5\/5/);
  });

  it('prints a short table without --json', async () => {
    const io = fakeIo();
    expect(await benchCommand.run(args(['engine'], { weights, runs: '1', batch: '1', threads: '1', 'skip-gemm': true, level: 'all' }), io)).toBe(0);
    expect(io.out()).toMatch(/^bench engine on .+ \(\d+ cores, [\d.]+ GB\), node v\d+/);
    expect(io.out()).toMatch(/load average [\d.]+ [\d.]+ [\d.]+ at start/);
    expect(io.out()).toMatch(/\n {2}optimizationLevel +all\n/);
    expect(io.out()).toMatch(/\n {2}gradMsPerImage +\d/);
  });
});

describe('explainseg bench arguments', () => {
  it.each([[[]], [['fast']], [['engine', 'extra']]])('positionals %j are a usage error (exit 2)', async (positionals) => {
    const io = fakeIo();
    expect(await benchCommand.run(args(positionals), io)).toBe(2);
    expect(io.err()).toMatch(/expected one of engine, train, explain, postprocess, pipeline but received/);
    expect(io.err()).toContain('Usage: explainseg bench');
    expect(io.out()).toBe('');
  });

  it.each([
    [{ runs: '0' }, /expected an integer >= 1 for --runs but received '0'/],
    [{ batch: '2.5' }, /expected an integer >= 1 for --batch but received '2\.5'/],
    [{ level: 'max' }, /expected one of extended, all for --level but received 'max'/],
  ])('rejects %j', (values, message) => {
    expect(() => parseBenchFlags(args(['engine'], values))).toThrow(InvalidArgumentError);
    expect(() => parseBenchFlags(args(['engine'], values))).toThrow(message);
  });

  it('resolves paths and splits the image list', () => {
    const flags = parseBenchFlags(args(['explain'], { images: 'a.png,b.png', runs: '3', 'skip-gemm': true }));
    expect(flags).toEqual({ runs: 3, imagePaths: [join(process.cwd(), 'a.png'), join(process.cwd(), 'b.png')], skipGemm: true });
  });

  it('reads --finetune-blocks and --compare-pytorch, and refuses --compare-pytorch without fine-tuning', async () => {
    expect(parseBenchFlags(args(['train'], { 'finetune-blocks': '2', 'compare-pytorch': true, batch: '16' }))).toEqual({ finetuneBlocks: 2, comparePytorch: true, batch: 16 });
    expect(() => parseBenchFlags(args(['train'], { 'finetune-blocks': 'x' }))).toThrow(/expected an integer >= 0 for --finetune-blocks but received 'x'/);
    await expect(benchCommand.run(args(['train'], { data: '/tmp', weights: '/tmp/w.safetensors', 'compare-pytorch': true }), fakeIo()))
      .rejects.toThrow(/expected --finetune-blocks >= 1 for --compare-pytorch but received 0/);
  });

  it('asks for --weights and --data before training', async () => {
    await expect(benchCommand.run(args(['train'], { data: '/tmp' }), fakeIo())).rejects.toThrow(/expected a value for --weights \(needed by bench train\) but received undefined/);
  });
});

describe('benchmark loaders', () => {
  it('has a runner for every benchmark (all imports are visible to the compiler)', async () => {
    for (const name of BENCHMARKS) expect(typeof (await defaultBenchLoaders[name]())).toBe('function');
  });

  it('runs an injected loader with the parsed flags', async () => {
    const seen: BenchFlags[] = [];
    const command = createBenchCommand({
      ...defaultBenchLoaders,
      postprocess: async () => async (flags) => { seen.push(flags); return { msPerImage: 1.5 }; },
    });
    const ok = fakeIo();
    expect(await command.run(args(['postprocess'], { json: true, runs: '4' }), ok)).toBe(0);
    expect(seen).toEqual([{ runs: 4 }]);
    expect(JSON.parse(ok.out()).result).toEqual({ msPerImage: 1.5 });
  });
});

describe('formatBenchTable', () => {
  it('rounds numbers for reading and keeps one line per field', () => {
    const machine = { ...describeMachine([1, 2, 3]), cpuModel: 'Test CPU', cores: 2, totalMemoryGB: 7.5, node: 'v20.0.0', onnxruntime: '1.30.0', loadAverageEnd: [0.5, 0.25, 0] };
    const table = formatBenchTable('engine', { batch: 8, gradMsPerImage: 123.456, ratio: 0.12345, runsMs: [10.5, 12], weights: { source: 'random', seeds: [1, 2] }, rows: [{ a: 1 }] }, machine);
    expect(table).toBe([
      'bench engine on Test CPU (2 cores, 7.5 GB), node v20.0.0, onnxruntime 1.30.0',
      'load average 1.00 2.00 3.00 at start, 0.50 0.25 0.00 at end',
      '  batch           8',
      '  gradMsPerImage  123',
      '  ratio           0.123',
      '  runsMs          10.500 12',
      '  weights.source  random',
      '  weights.seeds   1 2',
      '  rows            [{"a":1}]',
      '',
    ].join('\n'));
  });
});
