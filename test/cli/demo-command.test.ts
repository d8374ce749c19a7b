import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { InvalidArgumentError, WeightsError } from '../../src/core/index.js';
import type { ParsedArgs } from '../../src/cli/command.js';
import { demoCommand, demoDatasetKind } from '../../src/cli/commands/demo.js';
import { makeTempDir } from '../data/synthetic.js';
import { writeDiscDataset } from '../pipeline/runs/demo-fixture.js';
import { writeTinyVitSafetensors } from '../helpers/tiny-vit-weights.js';
import { fakeIo } from '../helpers/fake-io.js';

const args = (values: ParsedArgs['values'], positionals: string[] = []): ParsedArgs => ({ positionals, values });

/** Pipeline flags that make the tiny ViT's explanation cheap (the config leaves as --KEY VALUE). */
const TINY_FLAGS = {
  'input-size': '16', 'explain-n-steps': '4', 'explain-nt-samples': '1', 'explain-stdevs': '0.3', 'mask-ncut-pixel-grid-size': '16',
};

let dataRoot: string;
let weights: string;
let emptyCache: string;
beforeAll(async () => {
  dataRoot = await writeDiscDataset(10, 9);
  weights = await writeTinyVitSafetensors(join(await makeTempDir('demo-cli-weights-'), 'tiny.safetensors'));
  emptyCache = await makeTempDir('demo-cli-cache-');
}, 60_000);

describe('explainseg demo', () => {
  it('prints each phase, the scores and how to view the report, and writes the report folder', async () => {
    const out = join(await makeTempDir('demo-cli-out-'), 'demo');
    const io = fakeIo({ EXPLAINSEG_CACHE: emptyCache });
    const status = await demoCommand.run(args({ data: dataRoot, weights, out, limit: '2', 'train-items': '40', method: 'paper', ...TINY_FLAGS }), io);
    expect(status).toBe(0);
    const lines = io.out().split('\n');
    const phaseLines = lines.filter((line) => line.startsWith('['));
    expect(phaseLines.map((line) => /^\[(\w+)\]/.exec(line)![1])).toEqual(['weights', 'head', 'select', 'segment', 'evaluate', 'report']);
    expect(io.out()).toMatch(/2 image\(s\) segmented \(0 already done\), 0 failed; mean IoU \d\.\d{4}, mean Dice \d\.\d{4}/);
    expect(io.out()).toContain(`open it with: explainseg view ${join(out, 'report')}`);
    expect(io.err()).toMatch(/segment \[#+\] 2\/2/);
    for (const file of ['report/index.html', 'report/summary.md', 'report/summary.json', 'run.json', 'head/head.json']) expect(existsSync(join(out, file))).toBe(true);
    const run = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8'));
    // Flags reach the config: the variant default, the tiny input and the explanation steps.
    expect(run.config).toMatchObject({ dataset: 'kvasir-seg', variant: 'xncut', limit: 2, trainItems: 40, pipeline: { inputSize: 16, explain: { nSteps: 4, ntSamples: 1 } } });
  });

  it("by default fits the student (fit --fast into OUT/model) and scores the student's masks", async () => {
    const out = join(await makeTempDir('demo-cli-student-'), 'demo');
    const io = fakeIo({ EXPLAINSEG_CACHE: emptyCache });
    const status = await demoCommand.run(args({ data: dataRoot, weights, out, limit: '2' }), io);
    expect(status).toBe(0);
    const phases = io.out().split('\n').filter((line) => line.startsWith('['));
    expect(phases.map((line) => /^\[(\w+)\]/.exec(line)![1])).toEqual(['weights', 'head', 'select', 'segment', 'evaluate', 'report']);
    expect(phases[1]).toContain('explainseg fit --fast');
    expect(io.out()).toMatch(/2 image\(s\) segmented \(0 already done\), 0 failed; mean IoU \d\.\d{4}/);
    for (const file of ['model/model.json', 'model/student.json', 'report/index.html', 'report/summary.json']) expect(existsSync(join(out, file))).toBe(true);
    const run = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8'));
    expect(run.config).toMatchObject({ method: 'student', variant: 'explainseg-st', limit: 2 });
    const trained = new Set((JSON.parse(readFileSync(join(out, 'model', 'split.json'), 'utf8')) as { train: string[] }).train);
    const summary = JSON.parse(readFileSync(join(out, 'report', 'summary.json'), 'utf8')) as { images: { source?: string; imagePath?: string }[] };
    for (const image of summary.images) expect(trained.has(String(image.imagePath ?? image.source))).toBe(false);
  }, 120_000);

  it('--fast applies the fast preset over the variant unless a flag says otherwise', async () => {
    const out = join(await makeTempDir('demo-cli-fast-'), 'demo');
    const io = fakeIo({ EXPLAINSEG_WEIGHTS: weights, EXPLAINSEG_CACHE: emptyCache });
    const status = await demoCommand.run(args({ data: dataRoot, out, limit: '1', fast: true, variant: 'fusion-morph', ...TINY_FLAGS, 'explain-n-steps': undefined }), io);
    expect(status).toBe(0);
    const run = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8'));
    expect(run.config).toMatchObject({ variant: 'fusion-morph', trainItems: 300, pipeline: { explain: { nSteps: 16 }, fusion: { enabled: true }, mask: { method: 'morphology' } } });
  });

  it('says how to get weights, naming the stand-in, when none are found', async () => {
    const attempt = demoCommand.run(args({ data: dataRoot }), fakeIo({ EXPLAINSEG_CACHE: emptyCache }));
    await expect(attempt).rejects.toBeInstanceOf(WeightsError);
    await expect(attempt).rejects.toThrow(/explainseg weights fetch[\s\S]*vit-s16-ssl\.safetensors \(a stand-in ViT-S\/16/);
  });

  it.each([
    [{ dataset: 'imagenet' }, [], /expected one of kvasir-seg, bus-bra, ph2, monuseg, generic for --dataset but received 'imagenet'/],
    [{ limit: '0' }, [], /expected an integer >= 1 for --limit but received '0'/],
    [{ 'train-items': 'many' }, [], /for --train-items but received 'many'/],
    [{ method: 'magic' }, [], /expected one of student, paper for --method but received 'magic'/],
    [{ variant: 'best' }, [], /expected one of fusion-morph, fusion-ncut, xai-morph, xncut for the variant but received 'best'/],
    [{}, ['extra'], /expected no positional arguments for explainseg demo but received 'extra'/],
  ])('rejects %j %j', async (values, positionals, message) => {
    const attempt = demoCommand.run(args({ data: dataRoot, weights, out: join(emptyCache, 'never'), ...values }, positionals), fakeIo());
    await expect(attempt).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(attempt).rejects.toThrow(message);
    expect(existsSync(join(emptyCache, 'never'))).toBe(false);
  });

  it('guesses the dataset from the folder name, else takes kvasir-seg; --dataset wins', () => {
    expect(demoDatasetKind({}, '/data/bus-bra')).toBe('bus-bra');
    expect(demoDatasetKind({}, '/data/polyps')).toBe('kvasir-seg');
    expect(demoDatasetKind({ dataset: 'ph2' }, '/data/bus-bra')).toBe('ph2');
  });
});
