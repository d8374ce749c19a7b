import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadBackbone, vitConfigFromStateDict } from '../../../src/backbone/load-backbone.js';
import { VitModel } from '../../../src/backbone/vit-model.js';
import { resolveVitConfig } from '../../../src/backbone/vit-config.js';
import type { NamedTensor, StateDict } from '../../../src/backbone/state-dict.js';
import { detectVitBackbone, inferDinov2Config } from '../../../src/backbone/dinov2/index.js';
import {
  encodeSafetensors, float32Entry, loadWeights, normalizeVitNames, weightsCachePath, weightsRegistry,
} from '../../../src/backbone/weights/index.js';
import { InvalidArgumentError, WeightsError } from '../../../src/core/index.js';
import { maxRelativeError } from '../vit-fixture.js';
import { loadTinyDinov2 } from './dinov2-fixture.js';

const fixture = loadTinyDinov2();
const reg4 = fixture.models['dinov2-reg4'];
const dir = await mkdtemp(join(tmpdir(), 'explainseg-dinov2-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

/** Hugging Face Dinov2Model names (transformers' modeling_dinov2.py), written out here independently of the loader. */
function toHuggingFace(stateDict: StateDict): Map<string, NamedTensor> {
  const top: Record<string, string> = {
    cls_token: 'embeddings.cls_token', mask_token: 'embeddings.mask_token', pos_embed: 'embeddings.position_embeddings',
    register_tokens: 'embeddings.register_tokens', 'patch_embed.proj.weight': 'embeddings.patch_embeddings.projection.weight',
    'patch_embed.proj.bias': 'embeddings.patch_embeddings.projection.bias', 'norm.weight': 'layernorm.weight', 'norm.bias': 'layernorm.bias',
  };
  const inBlock: Record<string, string> = { 'attn.proj': 'attention.output.dense', 'ls1.gamma': 'layer_scale1.lambda1', 'ls2.gamma': 'layer_scale2.lambda1' };
  const out = new Map<string, NamedTensor>();
  for (const [name, tensor] of stateDict) {
    const block = /^blocks\.(\d+)\.(.+?)(\.weight|\.bias)?$/.exec(name);
    if (!block) out.set(top[name]!, tensor);
    else if (block[2] === 'attn.qkv') splitQkv(`encoder.layer.${block[1]}.attention.attention`, block[3]!, tensor, out);
    else out.set(`encoder.layer.${block[1]}.${inBlock[block[2]!] ?? block[2]}${block[3] ?? ''}`, tensor);
  }
  return out;
}

function splitQkv(prefix: string, kind: string, tensor: NamedTensor, out: Map<string, NamedTensor>): void {
  const part = tensor.data.length / 3;
  ['query', 'key', 'value'].forEach((name, i) => {
    out.set(`${prefix}.${name}${kind}`, { shape: [tensor.shape[0]! / 3, ...tensor.shape.slice(1)], data: tensor.data.slice(i * part, (i + 1) * part) });
  });
}

async function writeSafetensors(name: string, tensors: Map<string, NamedTensor>): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, encodeSafetensors(new Map([...tensors].map(([n, t]) => [n, float32Entry(t)]))));
  return path;
}

function problemsOf(run: () => unknown): readonly string[] {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(WeightsError);
    return (error as WeightsError).problems;
  }
  throw new Error('expected a WeightsError');
}

describe('DINOv2 weights in Hugging Face names (facebook/dinov2-small layout)', () => {
  it('loads a synthetic safetensors file into the official names, q/k/v fused, values unchanged', async () => {
    const hf = toHuggingFace(reg4.stateDict);
    expect(hf.has('encoder.layer.1.layer_scale2.lambda1') && hf.has('encoder.layer.0.attention.attention.key.bias')).toBe(true);
    const loaded = await loadWeights(await writeSafetensors('hf.safetensors', hf));
    expect([...loaded.stateDict.keys()].sort()).toEqual([...reg4.stateDict.keys()].sort());
    for (const [name, tensor] of reg4.stateDict) expect(loaded.stateDict.get(name), name).toEqual(tensor);
  });

  it('runs through loadBackbone unchanged: config from the weights, CLS as PyTorch gives it', async () => {
    const path = await writeSafetensors('hf-run.safetensors', toHuggingFace(reg4.stateDict));
    const c = reg4.cases[1]!;
    const { model, config } = await loadBackbone(path, { heads: 2, threads: 1 });
    try {
      expect(config).toEqual(reg4.config);
      expect(model.rows).toBe(21);
      const sized = await VitModel.create((await loadWeights(path)).stateDict, config, { inputSize: { rows: c.rows, cols: c.cols }, threads: 1 });
      const { cls } = await sized.forward(c.arrays.pixels, c.batch, ['cls']);
      await sized.dispose();
      expect(maxRelativeError(cls!, c.arrays.cls)).toBeLessThan(1e-4);
    } finally {
      await model.dispose();
    }
  });

  it('sets aside the classifier of Dinov2ForImageClassification and strips its dinov2. prefix', () => {
    const wrapped = new Map([...toHuggingFace(reg4.stateDict)].map(([name, t]) => [`dinov2.${name}`, t]));
    wrapped.set('classifier.weight', { shape: [2, 64], data: new Float32Array(128) });
    const { stateDict, ignored } = normalizeVitNames(wrapped);
    expect(ignored).toEqual(['classifier.weight (not part of the backbone)']);
    expect(stateDict.has('blocks.1.ls1.gamma') && stateDict.has('register_tokens')).toBe(true);
  });
});

describe('DINOv2 weights in the official names', () => {
  it('takes dinov2_vits14_pretrain.pth names as they are, and undoes the chunked training layout', () => {
    const chunked = new Map([...reg4.stateDict].map(([name, t]) => [name.replace(/^blocks\.(\d+)\./, 'backbone.blocks.0.$1.'), t]));
    chunked.set('dino_head.mlp.0.weight', { shape: [1], data: new Float32Array(1) });
    const { stateDict, ignored } = normalizeVitNames(chunked);
    expect([...stateDict.keys()].sort()).toEqual([...reg4.stateDict.keys()].sort());
    expect(ignored).toEqual(['dino_head.mlp.0.weight (not part of the backbone)']);
  });

  it('infers ViT-S/14 with 4 registers from shapes alone: dim 384, depth 12, heads = dim / 64, 518 px table', () => {
    const shaped = (shape: number[]): NamedTensor => ({ shape, data: new Float32Array(0) });
    const dict: StateDict = new Map([
      ['patch_embed.proj.weight', shaped([384, 3, 14, 14])], ['pos_embed', shaped([1, 37 * 37 + 1, 384])],
      ['register_tokens', shaped([1, 4, 384])], ['blocks.11.ls1.gamma', shaped([384])], ['blocks.0.mlp.fc1.weight', shaped([1536, 384])],
    ]);
    expect(inferDinov2Config(dict)).toMatchObject({ patchSize: 14, dim: 384, depth: 12, heads: 6, mlpDim: 1536, imageSize: 518, registers: 4 });
    expect(detectVitBackbone(dict)).toBe('dinov2');
  });

  it('gives the runner config with backbone and registers, the mask token accepted and unused', () => {
    expect(vitConfigFromStateDict(fixture.models.dinov2.stateDict, { heads: 2 })).toEqual(fixture.models.dinov2.config);
    const withoutMask = new Map(reg4.stateDict);
    withoutMask.delete('mask_token');
    expect(vitConfigFromStateDict(withoutMask, { heads: 2 })).toEqual(reg4.config);
  });
});

describe('DINOv2 tensor checks', () => {
  it('reports every missing, mis-shaped and unexpected tensor at once', () => {
    const broken = new Map(reg4.stateDict);
    broken.delete('blocks.1.ls2.gamma');
    broken.set('register_tokens', { shape: [1, 4, 31], data: new Float32Array(124) });
    broken.set('mask_token', { shape: [1, 31], data: new Float32Array(31) });
    broken.set('blocks.0.attn.q_norm.weight', { shape: [16], data: new Float32Array(16) });
    expect(problemsOf(() => vitConfigFromStateDict(broken, { file: 'reg4.pth' }))).toEqual([
      'missing tensor blocks.1.ls2.gamma [32]',
      'expected shape [1, 4, 32] for register_tokens but received [1, 4, 31]',
      'expected shape [1, 32] for mask_token but received [1, 31]',
      'unexpected tensor blocks.0.attn.q_norm.weight [16]',
    ]);
  });

  it('has the runner refuse a DINOv2 config without LayerScale, naming each tensor', async () => {
    const broken = new Map(reg4.stateDict);
    broken.delete('blocks.0.ls1.gamma');
    broken.delete('register_tokens');
    const error = await VitModel.create(broken, reg4.config).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WeightsError);
    expect((error as WeightsError).problems).toEqual(['missing tensor blocks.0.ls1.gamma (expected 32)', 'missing tensor register_tokens (expected 1x4x32)']);
  });

  it('checks against an explicit family: DINOv2 tensors are unexpected for vit-dino, LayerScale missing for dinov2', () => {
    const problems = problemsOf(() => vitConfigFromStateDict(fixture.models.dinov2.stateDict, { backbone: 'vit-dino' }));
    expect(problems).toContain('unexpected tensor blocks.0.ls1.gamma [32]');
    expect(problems).toContain('unexpected tensor mask_token [1, 32]');
    const dino: StateDict = new Map([...fixture.models.dinov2.stateDict].filter(([name]) => !/ls[12]\.gamma|mask_token/.test(name)));
    expect(detectVitBackbone(dino)).toBe('vit-dino');
    expect(vitConfigFromStateDict(dino).backbone).toBeUndefined();
    expect(problemsOf(() => vitConfigFromStateDict(dino, { backbone: 'dinov2' }))).toHaveLength(4);
    expect(() => vitConfigFromStateDict(dino, { backbone: 'dinov3' as 'dinov2' })).toThrow(InvalidArgumentError);
  });

  it('refuses registers outside DINOv2 and an unknown family in the runner config', () => {
    expect(() => resolveVitConfig({ registers: 4 })).toThrow(/expected the 'dinov2' backbone for register tokens but received 4/);
    expect(() => resolveVitConfig({ backbone: 'dinov3' as 'dinov2' })).toThrow(InvalidArgumentError);
  });
});

describe('weights fetch dinov2-vits14', () => {
  it('names the official file, with no invented checksum (recorded on the first download)', () => {
    expect(weightsRegistry['dinov2-vits14']).toMatchObject({
      url: 'https://dl.fbaipublicfiles.com/dinov2/dinov2_vits14/dinov2_vits14_pretrain.pth', fileName: 'dinov2_vits14_pretrain.pth', sha256: undefined,
    });
    expect(weightsRegistry['dinov2-vits14-reg4']!.url).toBe('https://dl.fbaipublicfiles.com/dinov2/dinov2_vits14/dinov2_vits14_reg4_pretrain.pth');
    expect(weightsCachePath('dinov2-vits14', '/cache')).toBe(join('/cache', 'weights', 'dinov2_vits14_pretrain.pth'));
  });
});
