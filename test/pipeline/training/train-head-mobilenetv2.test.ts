/**
 * The paper pipeline on a MobileNetV2 backbone: a tiny seeded random MobileNetV2 in the ImageNet layout
 * (test/helpers/tiny-mobilenetv2.ts) as a .npy folder, a head trained on its pooled feature over generated
 * dark and light images, the head reloaded by loadClassifier, then explainImage and segmentImage on it.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadExplainableBackbone } from '../../../src/backbone/index.js';
import { InvalidArgumentError, ModelMismatchError } from '../../../src/core/index.js';
import { imageToBatch, resizeImage } from '../../../src/data/index.js';
import { createLinearHead, loadHead, predictHead, saveHead } from '../../../src/head/index.js';
import { resolveConfig } from '../../../src/pipeline/config/presets.js';
import { tokenCutBaseline } from '../../../src/pipeline/competitors/index.js';
import { explainImage } from '../../../src/pipeline/method/explain-image.js';
import { classifierMaps, lastBlockOf } from '../../../src/pipeline/method/map-sources.js';
import { segmentImage } from '../../../src/pipeline/method/segment-image.js';
import { loadClassifier, type Classifier } from '../../../src/pipeline/model/index.js';
import { trainHeadOnDataset, type TrainHeadRun, type TrainHeadRunConfig } from '../../../src/pipeline/training/index.js';
import { makeTempDir, writeSolid } from '../../data/synthetic.js';
import { blobImage, explainConfig, writeTinyClassifierFiles } from '../../helpers/explain-fixture.js';
import { TINY_MOBILENETV2_FEATURES, writeTinyMobileNetV2Folder } from '../../helpers/tiny-mobilenetv2.js';

const INPUT = 128; // a 4 x 4 grid at stride 32
let dataRoot: string;
let weights: string;
let headPath: string;
let run: TrainHeadRun;
let classifier: Classifier;

const baseConfig = (): TrainHeadRunConfig => ({
  dataset: 'generic', dataRoot, weightsPath: weights, backbone: 'mobilenetv2', featureKind: 'cls', inputSize: INPUT,
  augmentEpochs: 0, seed: 3, epochs: 40, lr: 0.05, threads: 1,
});

beforeAll(async () => {
  const root = await makeTempDir('mnv2-pipeline-');
  dataRoot = join(root, 'data');
  for (let i = 0; i < 8; i++) {
    await writeSolid(join(dataRoot, 'dark', `d${i}.png`), 20, 24, [30 + 5 * i, 40, 60]);
    await writeSolid(join(dataRoot, 'light', `l${i}.png`), 20, 24, [210, 190 + 4 * i, 150]);
  }
  weights = await writeTinyMobileNetV2Folder(join(root, 'tiny-mobilenetv2'));
  run = await trainHeadOnDataset(baseConfig());
  headPath = join(root, 'head.json');
  await saveHead(headPath, run.result.head);
  classifier = await loadClassifier({ weightsPath: weights, headPath, threads: 1 });
});
afterAll(async () => {
  await classifier?.model.dispose();
});

describe('head training on a MobileNetV2 and loadClassifier', () => {
  it("trains on the pooled feature ('cls') and records the CNN's config and the folder's SHA-256", async () => {
    expect(run.backbone).toMatchObject({ kind: 'mobilenetv2', weightsPath: weights });
    const head = await loadHead(headPath);
    expect(head).toMatchObject({ featureKind: 'cls', inputSize: INPUT, backbone: { sha256: run.backbone.sha256 } });
    expect(head.backbone.config).toEqual({ kind: 'mobilenetv2', features: TINY_MOBILENETV2_FEATURES, stride: 32, imageSize: 224 });
    expect(head.head.dim).toBe(TINY_MOBILENETV2_FEATURES);
    expect(run.result.report!.accuracy).toBe(1);
  });

  it('reloads the head on the network: its logits are the head applied to the pooled feature', async () => {
    expect([classifier.kind, classifier.model.kind, classifier.model.rows, classifier.model.classes]).toEqual(['mobilenetv2', 'mobilenetv2', INPUT, 2]);
    const pixels = imageToBatch([await resizeImage(blobImage(40, 50), INPUT)], classifier.head.normalisation);
    const headless = await loadExplainableBackbone(weights, { inputSize: INPUT, threads: 1 });
    try {
      const { cls } = await headless.model.forward(pixels, 1, ['cls']);
      const expected = predictHead(classifier.head.head, cls!);
      const { logits } = await classifier.model.forward(pixels, 1, ['logits']);
      for (let k = 0; k < 2; k++) expect(logits![k]).toBeCloseTo(expected[k]!, 4);
    } finally {
      await headless.model.dispose();
    }
  });

  it('refuses a --backbone that is not the head\'s, and a CNN head on ViT weights, naming both kinds', async () => {
    const asked = loadClassifier({ weightsPath: weights, headPath, backbone: 'vit-dino' });
    await expect(asked).rejects.toThrow(ModelMismatchError);
    await expect(asked).rejects.toThrow(`the head ${headPath} was trained on a mobilenetv2 backbone, but vit-dino was asked for`);
    const vit = await writeTinyClassifierFiles(await makeTempDir('mnv2-vit-'));
    await expect(loadClassifier({ weightsPath: vit.weightsPath, headPath })).rejects.toThrow(`the head ${headPath} was trained on a mobilenetv2 backbone, but the weights ${vit.weightsPath} hold a vit-dino`);
    await expect(loadClassifier({ weightsPath: weights, headPath: vit.headPath })).rejects.toThrow(`the head ${vit.headPath} was trained on a vit-dino backbone, but the weights ${weights} hold a mobilenetv2`);
  });

  it('refuses a MobileNetV2 head of another width or on other features, before building the model', async () => {
    const head = await loadHead(headPath);
    const narrow = join(await makeTempDir('mnv2-narrow-'), 'head.json');
    await saveHead(narrow, { ...head, head: createLinearHead(head.head.classes, 8) });
    await expect(loadClassifier({ weightsPath: weights, headPath: narrow })).rejects.toThrow(/feature width 8 \(head\) vs 16 \(pooled feature of the MobileNetV2\)/);
    const last4 = join(await makeTempDir('mnv2-last4-'), 'head.json');
    await saveHead(last4, { ...head, featureKind: 'clsLast4' });
    await expect(loadClassifier({ weightsPath: weights, headPath: last4 })).rejects.toThrow(/does not fit a MobileNetV2: it reads 'clsLast4' features/);
  });

  it("refuses 'clsLast4' and fine-tuning on MobileNetV2 up front, before the dataset is read", async () => {
    const missing = { ...baseConfig(), dataRoot: '/nonexistent/data' };
    await expect(trainHeadOnDataset({ ...missing, featureKind: 'clsLast4' })).rejects.toThrow(InvalidArgumentError);
    await expect(trainHeadOnDataset({ ...missing, featureKind: 'clsLast4' })).rejects.toThrow(/expected 'cls' \(the pooled feature\) with a mobilenetv2 backbone for the feature kind but received 'clsLast4'/);
    await expect(trainHeadOnDataset({ ...missing, finetune: { blocks: 1 } })).rejects.toThrow(/fine-tuning needs a ViT/);
    await expect(trainHeadOnDataset({ ...baseConfig(), backbone: 'dinov2' })).rejects.toThrow(`the weights ${weights} hold a mobilenetv2 backbone, but dinov2 was asked for`);
  });
});

describe('explain and segment on a MobileNetV2', () => {
  it('gives relevance, feature and fused maps at the image size; the attention feature falls back to token-norm', async () => {
    const image = blobImage(50, 70, 5);
    const config = explainConfig({ nSteps: 4, ntSamples: 2, stdevs: 0.3 });
    expect(config.fusion.feature).toBe('cls-attention');
    const result = await explainImage(image, { model: classifier.model, head: classifier.head, config });
    for (const map of [result.relevance.original, result.feature.original, result.fused]) expect([map.rows, map.cols]).toEqual([50, 70]);
    expect([result.relevance.input.rows, result.attribution.rows]).toEqual([INPUT, INPUT]);
    expect([result.feature.patch.rows, result.feature.patch.cols]).toEqual([4, 4]);
    expect(Math.max(...result.relevance.original.data)).toBeGreaterThan(0);
    expect(result.convergence.deltas).toHaveLength(2);
    const tokenNorm = await explainImage(image, { model: classifier.model, head: classifier.head, config: explainConfig({ nSteps: 4, ntSamples: 2, stdevs: 0.3 }, { fusion: { feature: 'token-norm' } }) });
    expect(Array.from(result.feature.patch.data)).toEqual(Array.from(tokenNorm.feature.patch.data));
  });

  it('cuts with the patch-graph Normalized Cut on the feature-map cells and refines with DenseCRF', async () => {
    const image = blobImage(48, 64, 6);
    const config = resolveConfig('xncut', { explain: { nSteps: 4, ntSamples: 0, internalBatchSize: 8 }, mask: { ncut: { graph: 'patch' } }, crf: { iterations: 2 } });
    const result = await segmentImage(image, { model: classifier.model, head: classifier.head, config });
    expect([result.mask.rows, result.mask.cols, result.maskBeforeCrf.rows]).toEqual([48, 64, 48]);
    expect(result.mask.data.every((v) => v === 0 || v === 1)).toBe(true);
    expect(Object.keys(result.timingsMs)).toEqual(expect.arrayContaining(['mask', 'crf']));
  });

  it('runs TokenCut on the adapter keys and leaves the attention maps out of the map sources', async () => {
    const image = blobImage(40, 40, 7);
    const { mask, patchMask } = await tokenCutBaseline(image, { model: classifier.model });
    expect([mask.rows, mask.cols, patchMask.rows, patchMask.cols]).toEqual([40, 40, 4, 4]);
    const block = await lastBlockOf(image, classifier);
    expect(block.attention).toBeUndefined();
    const maps = classifierMaps(block, { head: classifier.head, target: 0 });
    expect(Object.keys(maps).sort()).toEqual(['patch-logits', 'pca', 'token-norm']);
  });
});
