/** --backbone on train, explain and compare: the MobileNetV2 path end to end, and the named errors. */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { InvalidArgumentError, ModelMismatchError } from '../../src/core/index.js';
import type { ParsedArgs } from '../../src/cli/command.js';
import { compareCommand } from '../../src/cli/commands/compare.js';
import { explainCommand } from '../../src/cli/commands/explain.js';
import { segmentCommand } from '../../src/cli/commands/segment.js';
import { fitCommand } from '../../src/cli/commands/student/fit.js';
import { resolveTrainConfig, trainCommand } from '../../src/cli/commands/train.js';
import { loadHead } from '../../src/head/index.js';
import { ensureCompareBackbones, ensureCompetitorModels, readCompareConfig } from '../../src/pipeline/runs/index.js';
import { makeTempDir, writeSolid } from '../data/synthetic.js';
import { blobImage, writePng, writeTinyClassifierFiles } from '../helpers/explain-fixture.js';
import { fakeIo } from '../helpers/fake-io.js';
import { writeTinyMobileNetV2Folder } from '../helpers/tiny-mobilenetv2.js';

const args = (values: ParsedArgs['values'], positionals: string[] = []): ParsedArgs => ({ positionals, values });
const MISSING_WEIGHTS = /expected --weights \/path\/to\/mobilenetv2-imagenet \(the folder of \.npy files\) for --backbone mobilenetv2 but received 'no --weights'/;

let root: string;
let dataRoot: string;
let cnnWeights: string;
let vit: { weightsPath: string; headPath: string };
let cnnRun: string;

beforeAll(async () => {
  root = await makeTempDir('backbone-flag-');
  dataRoot = join(root, 'data');
  for (let i = 0; i < 6; i++) {
    await writeSolid(join(dataRoot, 'dark', `d${i}.png`), 20, 24, [30 + 5 * i, 40, 60]);
    await writeSolid(join(dataRoot, 'light', `l${i}.png`), 20, 24, [210, 190 + 4 * i, 150]);
  }
  cnnWeights = await writeTinyMobileNetV2Folder(join(root, 'tiny-mobilenetv2'));
  vit = await writeTinyClassifierFiles(join(root, 'vit'));
  cnnRun = join(root, 'cnn-run');
  const status = await trainCommand.run(args({ dataset: 'generic', data: dataRoot, weights: cnnWeights, backbone: 'mobilenetv2', out: cnnRun, 'input-size': '64', epochs: '20', seed: '1' }), fakeIo({}));
  expect(status).toBe(0);
});

describe('train --backbone', () => {
  it('asks for --weights DIR with mobilenetv2, even when EXPLAINSEG_WEIGHTS names a ViT', async () => {
    for (const env of [{}, { EXPLAINSEG_WEIGHTS: vit.weightsPath }]) {
      const attempt = resolveTrainConfig(args({ dataset: 'generic', data: 'd', out: join(root, 'o'), backbone: 'mobilenetv2' }), env);
      await expect(attempt).rejects.toThrow(InvalidArgumentError);
      await expect(attempt).rejects.toThrow(MISSING_WEIGHTS);
    }
  });

  it.each([
    [{ backbone: 'resnet50' }, /expected one of vit-dino, dinov2, mobilenetv2 for --backbone but received 'resnet50'/],
    [{ backbone: 'mobilenetv2', feature: 'clsLast4' }, /expected cls with --backbone mobilenetv2 \(its pooled feature\) for --feature but received 'clsLast4'/],
    [{ backbone: 'mobilenetv2', 'finetune-blocks': '2' }, /expected 0 with --backbone mobilenetv2 \(fine-tuning needs a ViT\) for --finetune-blocks but received '2'/],
  ])('refuses %o with a usage error', async (values, message) => {
    const attempt = resolveTrainConfig(args({ dataset: 'generic', data: 'd', out: join(root, 'o'), weights: cnnWeights, ...values }), {});
    await expect(attempt).rejects.toThrow(InvalidArgumentError);
    await expect(attempt).rejects.toThrow(message);
  });

  it('writes a head that records the MobileNetV2, and refuses weights of another kind than --backbone', async () => {
    const head = await loadHead(join(cnnRun, 'head.json'));
    expect(head).toMatchObject({ inputSize: 64, featureKind: 'cls', backbone: { config: { kind: 'mobilenetv2', stride: 32 } } });
    const run = JSON.parse(readFileSync(join(cnnRun, 'run.json'), 'utf8'));
    expect(run.config).toMatchObject({ backbone: 'mobilenetv2' });
    expect(run.weights.backbone).toBe(`sha256:${head.backbone.sha256}`);
    const wrong = trainCommand.run(args({ dataset: 'generic', data: dataRoot, weights: cnnWeights, backbone: 'vit-dino', out: join(root, 'wrong') }), fakeIo({}));
    await expect(wrong).rejects.toThrow(ModelMismatchError);
    await expect(wrong).rejects.toThrow(`the weights ${cnnWeights} hold a mobilenetv2 backbone, but vit-dino was asked for`);
  });
});

describe('explain --backbone', () => {
  it("explains with the MobileNetV2 head: maps at the image size, the head's kind in run.json", async () => {
    const image = join(root, 'blob.png');
    await writePng(image, blobImage(30, 40));
    const out = join(root, 'explained');
    const status = await explainCommand.run(args({ weights: cnnWeights, head: cnnRun, out, backbone: 'mobilenetv2', 'n-steps': '2', 'nt-samples': '0' }, [image]), fakeIo({}));
    expect(status).toBe(0);
    const relevance = JSON.parse(readFileSync(join(out, 'blob.relevance.f32.json'), 'utf8'));
    expect([relevance.rows, relevance.cols]).toEqual([30, 40]);
    expect(JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')).config).toMatchObject({ inputSize: 64, backbone: 'mobilenetv2' });
  });

  it('lets the head decide: a different --backbone is a mismatch, and a MobileNetV2 head without --weights names the flag', async () => {
    const image = join(root, 'blob.png');
    const mismatch = explainCommand.run(args({ weights: cnnWeights, head: cnnRun, out: join(root, 'x1'), backbone: 'dinov2' }, [image]), fakeIo({}));
    await expect(mismatch).rejects.toThrow(ModelMismatchError);
    await expect(mismatch).rejects.toThrow(/was trained on a mobilenetv2 backbone, but dinov2 was asked for/);
    const noWeights = explainCommand.run(args({ head: cnnRun, out: join(root, 'x2') }, [image]), fakeIo({ EXPLAINSEG_WEIGHTS: vit.weightsPath }));
    await expect(noWeights).rejects.toThrow(/expected --weights \/path\/to\/mobilenetv2-imagenet \(the folder of \.npy files\) for the head's mobilenetv2 backbone/);
  });
});

describe('compare: a per-dataset backbone', () => {
  async function compareFile(dataset: Record<string, unknown>, extra: Record<string, unknown> = {}): Promise<string> {
    const path = join(await makeTempDir('compare-backbone-'), 'compare.json');
    await writeFile(path, JSON.stringify({ weights: vit.weightsPath, datasets: [{ name: 'toy', kind: 'generic', data: dataRoot, head: join(cnnRun, 'head.json'), ...dataset }], ...extra }));
    return path;
  }

  it('reads backbone and weights per dataset, and checks the backbone against the head before any work', async () => {
    const config = await readCompareConfig(await compareFile({ backbone: 'mobilenetv2', weights: cnnWeights }));
    expect(config.datasets[0]).toMatchObject({ backbone: 'mobilenetv2', weights: cnnWeights });
    await expect(ensureCompareBackbones(config)).resolves.toBeUndefined();
    const wrong = await readCompareConfig(await compareFile({ backbone: 'vit-dino' }));
    await expect(ensureCompareBackbones(wrong)).rejects.toThrow(ModelMismatchError);
    await expect(ensureCompareBackbones(wrong)).rejects.toThrow(/dataset toy in the compare config names the backbone vit-dino, but its head .* was trained on a mobilenetv2 backbone/);
    await expect(readCompareConfig(await compareFile({ backbone: 'cnn' }))).rejects.toThrow(/expected one of vit-dino, dinov2, mobilenetv2 for datasets\[0\]\.backbone in the compare config but received 'cnn'/);
  });

  it("refuses a MaskCut side that is not a multiple of MobileNetV2's stride, and applies --backbone to datasets that name none", async () => {
    const config = await readCompareConfig(await compareFile({ backbone: 'mobilenetv2' }, { competitors: ['maskcut'], maskCutInputSize: 488 }));
    expect(() => ensureCompetitorModels(config)).toThrow(/expected a multiple of 32 \(MobileNetV2's stride, datasets toy\) for maskCutInputSize in the compare config but received 488/);
    const path = await compareFile({}, { out: join(root, 'compare-out') });
    const attempt = compareCommand.run(args({ config: path, backbone: 'dinov2' }), fakeIo({}));
    await expect(attempt).rejects.toThrow(/names the backbone dinov2, but its head .* was trained on a mobilenetv2 backbone/);
  });
});

describe('segment and fit --backbone', () => {
  it('segments with a MobileNetV2 head given its --weights, and names the missing weights otherwise', async () => {
    await mkdir(join(root, 'seg-input'), { recursive: true });
    const image = join(root, 'seg-input', 'blob.png');
    await writePng(image, blobImage(32, 40));
    const out = join(root, 'seg-out');
    const status = await segmentCommand.run(args({ head: cnnRun, weights: cnnWeights, out, variant: 'fusion-morph', 'n-steps': '2', 'nt-samples': '0' }, [image]), fakeIo({}));
    expect(status).toBe(0);
    expect(JSON.parse(readFileSync(join(out, 'blob', 'result.json'), 'utf8')).files.mask).toBe('blob/mask.png');
    const noWeights = segmentCommand.run(args({ head: cnnRun, out: join(root, 'seg-out-2') }, [image]), fakeIo({ EXPLAINSEG_WEIGHTS: vit.weightsPath }));
    await expect(noWeights).rejects.toThrow(/expected --weights \/path\/to\/mobilenetv2-imagenet \(the folder of \.npy files\) for the head .* \(trained on mobilenetv2\)/);
    const wrongKind = segmentCommand.run(args({ head: cnnRun, weights: cnnWeights, backbone: 'dinov2', out: join(root, 'seg-out-3') }, [image]), fakeIo({}));
    await expect(wrongKind).rejects.toThrow(ModelMismatchError);
  });

  it('fit --backbone mobilenetv2 asks for --weights DIR before any work', async () => {
    const out = join(root, 'fit-out');
    const attempt = fitCommand.run(args({ dataset: 'generic', data: dataRoot, out, backbone: 'mobilenetv2' }), fakeIo({ EXPLAINSEG_WEIGHTS: vit.weightsPath }));
    await expect(attempt).rejects.toThrow(MISSING_WEIGHTS);
    expect(existsSync(out)).toBe(false);
  });
});
