import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  backboneKindOfConfig, detectBackboneKind, loadBackbone, loadExplainableBackbone, loadMobileNetV2, MobileNetV2Explainable, MobileNetV2Model,
  type ExplainableModel,
} from '../../src/backbone/index.js';
import { InvalidArgumentError, ModelMismatchError, sha256Path, WeightsError } from '../../src/core/index.js';
import { patchKeysAcrossHeads } from '../../src/pipeline/model/index.js';
import { makeTempDir } from '../data/synthetic.js';
import { tinyStateDict, writeTinyClassifierFiles } from '../helpers/explain-fixture.js';
import { TINY_MOBILENETV2_FEATURES, tinyMobileNetV2StateDict, writeTinyMobileNetV2Folder } from '../helpers/tiny-mobilenetv2.js';
import { loadTinyMobileNetV2 } from './cnn-fixture.js';
import { maxRelativeError } from './vit-fixture.js';

// The PyTorch golden values of scripts/make-cnn-fixtures.py, read through the adapter: the tiny fixture has
// stride 8 (three stride-2 convs) and 16 features; at 32 x 32 its grid is 4 x 4, batch 2.
const fixture = loadTinyMobileNetV2();
const golden = fixture.cases.find((c) => c.rows === 32 && c.cols === 32)!;
const owned: ExplainableModel[] = [];
afterAll(async () => {
  for (const model of owned) await model.dispose();
});

async function fixtureAdapter(inputSize: number | { rows: number; cols: number } = 32): Promise<MobileNetV2Explainable> {
  const model = await MobileNetV2Explainable.create(fixture.stateDict, { layout: fixture.layout, head: fixture.head, inputSize, threads: 1 });
  owned.push(model);
  return model;
}

describe('MobileNetV2Explainable: the ViT output names on the tiny MobileNetV2 (PyTorch golden values)', () => {
  it('states its kind, no attention, the stride as patch size and the features as width', async () => {
    const model = await fixtureAdapter();
    expect([model.kind, model.hasAttention, model.rows, model.cols, model.classes]).toEqual(['mobilenetv2', false, 32, 32, 3]);
    expect(model.config).toEqual({ patchSize: 8, dim: 16, depth: 3, heads: 1 });
    expect(model.grid).toEqual({ rows: 4, cols: 4 });
  });

  it("gives logits, 'cls' = the pooled feature, and the feature map as row-major token rows [N, C]", async () => {
    const model = await fixtureAdapter();
    const out = await model.forward(golden.arrays.pixels, 2, ['logits', 'cls', 'patchTokens']);
    expect(maxRelativeError(out.logits!, golden.arrays.logits)).toBeLessThan(1e-4);
    expect(maxRelativeError(out.cls!, golden.arrays.pooled)).toBeLessThan(1e-4);
    const tokens = out.patchTokens!;
    expect(tokens.length).toBe(2 * 16 * 16);
    const featureMap = golden.arrays.featureMap; // [2, 16 channels, 4, 4]
    for (const [b, c, row, col] of [[0, 0, 0, 0], [0, 5, 1, 2], [1, 15, 3, 3], [1, 7, 2, 0]] as const) {
      const n = row * 4 + col;
      expect(tokens[(b * 16 + n) * 16 + c]).toBeCloseTo(featureMap[((b * 16 + c) * 4 + row) * 4 + col]!, 4);
    }
  });

  it("lays 'keys' out as one head [1, 1 + N, C] behind a zero CLS row: the token rows centred on their mean", async () => {
    const model = await fixtureAdapter();
    const out = await model.forward(golden.arrays.pixels, 2, ['keys', 'patchTokens']);
    const keys = out.keys!;
    expect(keys.length).toBe(2 * 17 * 16);
    for (const b of [0, 1]) {
      const image = keys.subarray(b * 17 * 16, (b + 1) * 17 * 16);
      expect(Array.from(image.subarray(0, 16))).toEqual(new Array(16).fill(0));
      const tokens = out.patchTokens!.subarray(b * 256, (b + 1) * 256);
      const centred = Array.from(tokens, (v, i) => v - Array.from({ length: 16 }, (_, n) => tokens[n * 16 + (i % 16)]!).reduce((x, y) => x + y, 0) / 16);
      const rows = patchKeysAcrossHeads(image, { heads: 1, patches: 16, headDim: 16 });
      rows.forEach((v, i) => expect(v).toBeCloseTo(centred[i]!, 5));
    }
  });

  it("leaves 'attention' out of the result and refuses the other ViT-only outputs, naming MobileNetV2", async () => {
    const model = await fixtureAdapter();
    const out = await model.forward(golden.arrays.pixels, 2, ['logits', 'attention']);
    expect(Object.keys(out)).toEqual(['logits']);
    expect(await model.forward(golden.arrays.pixels, 2, ['attention'])).toEqual({});
    for (const output of ['queries', 'values', 'clsLast4'] as const) {
      const attempt = model.forward(golden.arrays.pixels, 2, [output]);
      await expect(attempt).rejects.toThrow(InvalidArgumentError);
      await expect(attempt).rejects.toThrow(new RegExp(`MobileNetV2 has no attention blocks, so no ${output}\\) for a MobileNetV2 output but received '${output}'`));
    }
  });

  it('passes the input gradient through unchanged', async () => {
    const model = await fixtureAdapter();
    const { gradient } = await model.inputGradient(golden.arrays.pixels, 2, golden.arrays.seed);
    expect(maxRelativeError(gradient, golden.arrays.gradient)).toBeLessThan(1e-4);
  });

  it('refuses an input that is not a multiple of the total stride, naming the side', async () => {
    await expect(fixtureAdapter({ rows: 30, cols: 32 })).rejects.toThrow(/expected a multiple of the total stride 8 for the MobileNetV2 input rows but received 30/);
    await expect(fixtureAdapter({ rows: 32, cols: 36 })).rejects.toThrow(/expected a multiple of the total stride 8 for the MobileNetV2 input cols but received 36/);
  });

  it('has a feature grid of rows / 32 at multiples of 32 in the ImageNet layout', async () => {
    for (const side of [32, 64, 96, 224]) {
      const network = await MobileNetV2Model.create(tinyMobileNetV2StateDict(), { inputSize: side });
      expect([network.stride, network.featureGrid.rows, network.featureGrid.cols]).toEqual([32, side / 32, side / 32]);
      const model = MobileNetV2Explainable.wrap(network);
      expect(model.config).toEqual({ patchSize: 32, dim: TINY_MOBILENETV2_FEATURES, depth: 16, heads: 1 });
      await model.dispose();
    }
  });
});

describe('detectBackboneKind and the kind a head file records', () => {
  it('tells MobileNetV2 by its conv_N tensors, a DINO ViT and a DINOv2 by theirs', () => {
    expect(detectBackboneKind(fixture.stateDict)).toBe('mobilenetv2');
    expect(detectBackboneKind(tinyMobileNetV2StateDict())).toBe('mobilenetv2');
    const vit = tinyStateDict();
    expect(detectBackboneKind(vit)).toBe('vit-dino');
    const dinov2 = new Map(vit).set('blocks.0.ls1.gamma', { shape: [32], data: new Float32Array(32) });
    expect(detectBackboneKind(dinov2)).toBe('dinov2');
    // A ViT file that happens to hold a conv_0_weight is still a ViT (its patch embedding decides).
    expect(detectBackboneKind(new Map(vit).set('conv_0_weight', { shape: [1], data: new Float32Array(1) }).set('conv_1_weight', { shape: [1], data: new Float32Array(1) }))).toBe('vit-dino');
  });

  it.each([
    [{ kind: 'mobilenetv2', features: 1280, stride: 32, imageSize: 224 }, 'mobilenetv2'],
    [{ patchSize: 14, dim: 384, backbone: 'dinov2' }, 'dinov2'],
    [{ patchSize: 16, dim: 384 }, 'vit-dino'],
    [null, 'vit-dino'],
  ])('reads %o as %s (heads from before CNNs are ViT heads)', (config, kind) => {
    expect(backboneKindOfConfig(config)).toBe(kind);
  });
});

describe('loadExplainableBackbone', () => {
  it('loads a MobileNetV2 .npy folder with the config a head records, and a ViT as loadBackbone does', async () => {
    const folder = await writeTinyMobileNetV2Folder(join(await makeTempDir('mnv2-load-'), 'tiny-mobilenetv2'));
    const cnn = await loadExplainableBackbone(folder, { inputSize: 64 });
    owned.push(cnn.model);
    expect(cnn.kind).toBe('mobilenetv2');
    expect(cnn.config).toEqual({ kind: 'mobilenetv2', features: TINY_MOBILENETV2_FEATURES, stride: 32, imageSize: 224 });
    expect(cnn.sha256).toBe(await sha256Path(folder)); // run.json's fingerprint of a flat .npy folder is the recorded one
    expect([cnn.model.rows, cnn.model.config.patchSize, cnn.model.hasAttention]).toEqual([64, 32, false]);
    const { weightsPath } = await writeTinyClassifierFiles(await makeTempDir('mnv2-load-vit-'));
    const vit = await loadExplainableBackbone(weightsPath);
    const reference = await loadBackbone(weightsPath);
    owned.push(vit.model, reference.model);
    expect([vit.kind, vit.model.hasAttention, vit.model.kind]).toEqual(['vit-dino', true, 'vit-dino']);
    expect(vit.config).toEqual(reference.config);
    expect(vit.sha256).toBe(reference.sha256);
  });

  it('refuses a kind the tensors do not show, naming the file and both kinds', async () => {
    const folder = await writeTinyMobileNetV2Folder(join(await makeTempDir('mnv2-kind-'), 'tiny-mobilenetv2'));
    const { weightsPath } = await writeTinyClassifierFiles(await makeTempDir('mnv2-kind-vit-'));
    const asVit = loadExplainableBackbone(folder, { backbone: 'vit-dino' });
    await expect(asVit).rejects.toThrow(ModelMismatchError);
    await expect(asVit).rejects.toThrow(`the weights ${folder} hold a mobilenetv2 backbone, but vit-dino was asked for`);
    await expect(loadExplainableBackbone(weightsPath, { backbone: 'mobilenetv2' })).rejects.toThrow(`the weights ${weightsPath} hold a vit-dino backbone, but mobilenetv2 was asked for`);
    await expect(loadExplainableBackbone(folder, { inputSize: 100 })).rejects.toThrow(/expected a multiple of the total stride 32 for the MobileNetV2 input rows but received 100/);
  });

  it('names the folder when a MobileNetV2 tensor is missing', async () => {
    const dict = tinyMobileNetV2StateDict();
    dict.delete('conv_50_bias');
    await expect(MobileNetV2Explainable.create(dict)).rejects.toThrow(WeightsError);
  });
});

const SHARED = new URL('../../../shared/weights/mobilenetv2-imagenet', import.meta.url).pathname;
const shared = await access(SHARED).then(() => true, () => false);
if (!shared) console.warn(`skipping the shared MobileNetV2 adapter test: ${SHARED} is absent (../shared is not checked out here)`);

describe.skipIf(!shared)('the shared MobileNetV2-1.0 ImageNet weights through the adapter', () => {
  it('give a 7 x 7 grid of 1280-wide tokens at 224, patch size 32', async () => {
    const loaded = await loadMobileNetV2(SHARED);
    const model = await MobileNetV2Explainable.create(loaded.stateDict, { threads: 2 });
    owned.push(model);
    expect(model.config).toMatchObject({ patchSize: 32, dim: 1280, heads: 1 });
    expect(model.grid).toEqual({ rows: 7, cols: 7 });
    const pixels = Float32Array.from({ length: 3 * 224 * 224 }, (_, i) => Math.sin(i / 97) * 1.5);
    const { patchTokens, cls } = await model.forward(pixels, 1, ['patchTokens', 'cls']);
    expect(patchTokens!.length).toBe(49 * 1280);
    let mean = 0;
    for (let n = 0; n < 49; n++) mean += patchTokens![n * 1280]! / 49;
    expect(cls![0]).toBeCloseTo(mean, 4);
  });
});
