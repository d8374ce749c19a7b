import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { InputFileError, InvalidArgumentError, WeightsError } from '../../src/core/index.js';
import type { ParsedArgs } from '../../src/cli/command.js';
import { resolveTrainConfig, trainCommand } from '../../src/cli/commands/train.js';
import { loadHead } from '../../src/head/index.js';
import { makeTempDir, writeSolid } from '../data/synthetic.js';
import { writeTinyVitSafetensors } from '../helpers/tiny-vit-weights.js';
import { fakeIo } from '../helpers/fake-io.js';

const args = (values: ParsedArgs['values']): ParsedArgs => ({ positionals: [], values });

let dataRoot: string;
let weights: string;
let emptyCache: string;
beforeAll(async () => {
  dataRoot = await makeTempDir('train-cli-data-');
  for (let i = 0; i < 8; i++) {
    await writeSolid(join(dataRoot, 'dark', `d${i}.png`), 20, 24, [30 + 5 * i, 40, 60]);
    await writeSolid(join(dataRoot, 'light', `l${i}.png`), 20, 24, [210, 190 + 4 * i, 150]);
  }
  weights = await writeTinyVitSafetensors(join(await makeTempDir('train-cli-weights-'), 'tiny.safetensors'));
  emptyCache = await makeTempDir('train-cli-cache-');
});

describe('explainseg train', () => {
  it('writes head.json, report.json, report.md and run.json for a generic folder', async () => {
    const out = join(await makeTempDir('train-cli-out-'), 'run');
    const io = fakeIo({ EXPLAINSEG_CACHE: emptyCache });
    const status = await trainCommand.run(args({ dataset: 'generic', data: dataRoot, weights, out, epochs: '40', lr: '0.05', seed: '3' }), io);
    expect(status).toBe(0);
    const sha = createHash('sha256').update(readFileSync(weights)).digest('hex');
    const head = await loadHead(join(out, 'head.json'));
    expect(head.head.classes).toEqual(['dark', 'light']);
    expect(head).toMatchObject({ featureKind: 'cls', inputSize: 16, backbone: { sha256: sha } });
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    expect(report.counts.train + report.counts.val + report.counts.test).toBe(16);
    expect(report.validation.accuracy).toBe(1);
    expect(report.validation.confusion.flat().reduce((a: number, b: number) => a + b, 0)).toBe(report.counts.val);
    const run = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8'));
    expect(run).toMatchObject({ command: 'train', seed: 3, weights: { backbone: `sha256:${sha}` }, config: { dataset: 'generic', epochs: 40, lr: 0.05 } });
    expect(Object.keys(run.timingsMs)).toEqual(expect.arrayContaining(['dataset', 'backbone', 'features', 'train']));
    const markdown = readFileSync(join(out, 'report.md'), 'utf8');
    expect(markdown).toContain('## Validation');
    expect(markdown).toContain('| true \\ predicted | dark | light |');
    expect(io.out()).toMatch(/validation: accuracy 1\.000, balanced accuracy 1\.000, ROC AUC 1\.000/);
    expect(io.err()).toMatch(/features \[#+\] \d+\/\d+/);
  });

  it('takes the weights from EXPLAINSEG_WEIGHTS when --weights is absent', async () => {
    const { config } = await resolveTrainConfig(args({ dataset: 'ph2', data: 'd', out: 'o', labels: 'three', 'patch-size': '64', 'skip-bad': true, 'max-items': '50', monitor: 'balancedAccuracy' }), { EXPLAINSEG_WEIGHTS: weights });
    expect(config.weightsPath).toBe(weights);
    expect(config).toMatchObject({ featureKind: 'cls', augmentEpochs: 0, seed: 0, maxItems: 50, monitor: 'balancedAccuracy', datasetOptions: { labels: 'three', size: 64, skipBad: true } });
  });

  it('maps the fine-tuning flags onto the run config, and leaves it out for --finetune-blocks 0', async () => {
    const { config } = await resolveTrainConfig(args({
      dataset: 'generic', data: 'd', out: 'o', weights, 'finetune-blocks': '2', 'block-lr-factor': '0.2', schedule: 'cosine', patience: '12', 'min-epochs': '8', 'no-augment': true, epochs: '30',
    }), {});
    expect(config).toMatchObject({ epochs: 30, finetune: { blocks: 2, blockLrFactor: 0.2, schedule: 'cosine', patience: 12, minEpochs: 8, augment: false } });
    expect((await resolveTrainConfig(args({ dataset: 'generic', data: 'd', out: 'o', weights, 'finetune-blocks': '0' }), {})).config.finetune).toBeUndefined();
  });

  it('fine-tunes the last block with --finetune-blocks 1: blocks, learning curves and a checkpoint beside head.json; more blocks than the ViT has is refused', async () => {
    const out = join(await makeTempDir('train-cli-finetune-'), 'run');
    const io = fakeIo({ EXPLAINSEG_CACHE: emptyCache });
    const status = await trainCommand.run(args({ dataset: 'generic', data: dataRoot, weights, out, epochs: '3', 'batch-size': '4', 'finetune-blocks': '1', 'min-epochs': '3', seed: '1' }), io);
    expect(status).toBe(0);
    const head = await loadHead(join(out, 'head.json'));
    expect(head.finetuned).toMatchObject({ blocks: 1, file: 'finetuned-blocks.safetensors' });
    for (const file of ['finetuned-blocks.safetensors', 'checkpoint.safetensors', 'learning-curves.svg', 'report.md', 'run.json']) expect(readFileSync(join(out, file)).length).toBeGreaterThan(0);
    expect(JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'))).toMatchObject({ finetunedBlocks: 1, training: { history: expect.any(Array) } });
    expect(io.err()).toMatch(/fine-tune \[#+\] 3\/3 .*epoch 3: train loss \d\.\d{4}, val loss \d\.\d{4}, val AUC/);
    const tooMany = trainCommand.run(args({ dataset: 'generic', data: dataRoot, weights, out: `${out}-3`, 'finetune-blocks': '3' }), fakeIo({ EXPLAINSEG_CACHE: emptyCache }));
    await expect(tooMany).rejects.toThrow(/expected an integer in \[1, 2\] for the fine-tuned blocks \(the ViT has 2\) but received 3/);
  });

  it('says how to get weights when none are given, and names a missing file', async () => {
    const noWeights = resolveTrainConfig(args({ dataset: 'generic', data: 'd', out: 'o' }), { EXPLAINSEG_CACHE: emptyCache });
    await expect(noWeights).rejects.toBeInstanceOf(WeightsError);
    await expect(noWeights).rejects.toThrow(/pass --weights FILE, set EXPLAINSEG_WEIGHTS/);
    await expect(resolveTrainConfig(args({ dataset: 'generic', data: 'd', out: 'o', weights: '/nonexistent/w.pth' }), {})).rejects.toBeInstanceOf(InputFileError);
  });

  it.each([
    [{ data: 'd', out: 'o' }, /expected a value for --dataset/],
    [{ dataset: 'imagenet', data: 'd', out: 'o' }, /expected one of kvasir-seg, bus-bra, ph2, monuseg, generic for --dataset but received 'imagenet'/],
    [{ dataset: 'generic', data: 'd', out: 'o', epochs: '1.5' }, /expected an integer >= 1 for --epochs but received '1\.5'/],
    [{ dataset: 'generic', data: 'd', out: 'o', lr: 'fast' }, /expected a finite number .* for --lr but received 'fast'$/],
    [{ dataset: 'generic', data: 'd', out: 'o', feature: 'patch' }, /expected one of cls, clsLast4 for --feature/],
    [{ dataset: 'ph2', data: 'd', out: 'o', labels: 'two' }, /expected one of binary, three for --labels/],
    [{ dataset: 'generic', data: 'd', out: 'o', monitor: 'auc' }, /expected one of loss, balancedAccuracy for --monitor/],
    [{ dataset: 'generic', data: 'd', out: 'o', 'finetune-blocks': '-1' }, /expected an integer >= 0 for --finetune-blocks but received '-1'/],
    [{ dataset: 'generic', data: 'd', out: 'o', 'finetune-blocks': 'two' }, /expected an integer >= 0 for --finetune-blocks but received 'two'/],
    [{ dataset: 'generic', data: 'd', out: 'o', schedule: 'cosine' }, /expected --finetune-blocks >= 1 for --schedule but received '--finetune-blocks 0'/],
    [{ dataset: 'generic', data: 'd', out: 'o', 'finetune-blocks': '0', patience: '5' }, /expected --finetune-blocks >= 1 for --patience/],
    [{ dataset: 'generic', data: 'd', out: 'o', 'finetune-blocks': '2', schedule: 'linear' }, /expected one of step, cosine for --schedule but received 'linear'/],
    [{ dataset: 'generic', data: 'd', out: 'o', 'finetune-blocks': '2', patience: '0' }, /expected an integer >= 1 for --patience but received '0'/],
    [{ dataset: 'generic', data: 'd', out: 'o', 'finetune-blocks': '2', feature: 'clsLast4' }, /expected cls with --finetune-blocks 2 for --feature but received 'clsLast4'/],
    [{ dataset: 'generic', data: 'd', out: 'o', 'finetune-blocks': '1', 'augment-epochs': '2' }, /expected 0 with --finetune-blocks 1 \(fine-tuning augments every epoch\) for --augment-epochs/],
  ])('rejects bad flags with a usage error: %o', async (values, message) => {
    const attempt = resolveTrainConfig(args({ weights, ...values }), {});
    await expect(attempt).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(attempt).rejects.toThrow(message);
  });
});
