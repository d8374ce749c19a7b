import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { WeightsError } from '../../src/core/errors.js';
import { checkVitStateDict, countParameters, expectedVitShapes, inferVitConfig, loadWeights, parseNpy } from '../../src/backbone/weights/index.js';
import type { NamedTensor, StateDict } from '../../src/backbone/state-dict.js';

const fixtures = join(import.meta.dirname, '..', 'fixtures', 'weights');
const expected = JSON.parse(readFileSync(join(fixtures, 'expected.json'), 'utf8')) as {
  plain: Record<string, { shape: number[]; data: number[] }>;
  npy_f2: number[];
};
const tinyVit = (): StateDict => new Map(Object.entries(expected.plain).map(([name, t]) => [name, { shape: t.shape, data: Float32Array.from(t.data) }]));
const mobilenet = join(import.meta.dirname, '..', '..', '..', 'shared', 'weights', 'mobilenetv2-imagenet');

describe('inferVitConfig and checkVitStateDict', () => {
  it('infers the tiny ViT (patch 4, dim 8, depth 1, 2x2 patches, MLP 32)', () => {
    expect(inferVitConfig(tinyVit())).toEqual({ patchSize: 4, dim: 8, depth: 1, heads: 1, mlpDim: 32, inChannels: 3, numPatches: 4, imageSize: 8, qkvBias: true });
    expect(inferVitConfig(tinyVit(), { heads: 2 }).heads).toBe(2);
  });

  it('counts parameters by hand: 8+40+384+8 + block (16+192+24+64+8+16+256+32+256+8) + 16 = 1328', () => {
    expect(countParameters(tinyVit())).toBe(1328);
    expect([...expectedVitShapes(inferVitConfig(tinyVit())).values()].reduce((sum, s) => sum + s.reduce((a, b) => a * b, 1), 0)).toBe(1328);
  });

  it('accepts a complete state dict', () => {
    expect(() => checkVitStateDict(tinyVit(), inferVitConfig(tinyVit()))).not.toThrow();
  });

  it('lists every missing, unexpected and mis-shaped tensor in one error', () => {
    const dict = tinyVit();
    dict.delete('norm.bias');
    dict.delete('blocks.0.mlp.fc1.bias');
    dict.set('blocks.0.attn.proj.weight', { shape: [8, 4], data: new Float32Array(32) });
    dict.set('dist_token', { shape: [1, 1, 8], data: new Float32Array(8) });
    let thrown: WeightsError | undefined;
    try {
      checkVitStateDict(dict, { patchSize: 4, dim: 8, depth: 1, numPatches: 4, mlpDim: 32 }, { file: 'tiny.pth' });
    } catch (error) {
      thrown = error as WeightsError;
    }
    expect(thrown).toBeInstanceOf(WeightsError);
    expect(thrown!.problems).toEqual([
      'expected shape [8, 8] for blocks.0.attn.proj.weight but received [8, 4]',
      'missing tensor blocks.0.mlp.fc1.bias [32]',
      'missing tensor norm.bias [8]',
      'unexpected tensor dist_token [1, 1, 8]',
    ]);
    expect(thrown!.message.startsWith('tiny.pth: \n  - expected shape')).toBe(true);
  });

  it('reports a deeper config as missing whole blocks', () => {
    expect(() => checkVitStateDict(tinyVit(), { ...inferVitConfig(tinyVit()), depth: 2 })).toThrow(/missing tensor blocks\.1\.attn\.qkv\.weight \[24, 8\]/);
  });

  it('refuses to infer from a dict without patch embedding', () => {
    const dict = tinyVit();
    dict.delete('patch_embed.proj.weight');
    expect(() => inferVitConfig(dict, { file: 'x.pth' })).toThrow(/^x\.pth: cannot infer a ViT config/);
  });
});

describe('.npy reader (fixtures written by NumPy)', () => {
  it('reads a v1 <f4 array exactly', async () => {
    const weights = await loadWeights(join(fixtures, 'v1-f4.npy'));
    expect(weights.format).toBe('npy');
    const tensor = weights.stateDict.get('array') as NamedTensor;
    expect(tensor.shape).toEqual([32, 8]);
    expect(Array.from(tensor.data)).toEqual(expected.plain['blocks.0.mlp.fc1.weight']!.data.map(Math.fround));
  });

  it('reads a v2 <f2 array as NumPy rounds it', () => {
    const { tensor, dtype } = parseNpy(readFileSync(join(fixtures, 'v2-f2.npy')), 'v2-f2.npy');
    expect(dtype).toBe('float16');
    expect(tensor.shape).toEqual([8, 3, 4, 4]);
    expect(Array.from(tensor.data)).toEqual(expected.npy_f2.map(Math.fround));
  });

  it.each<[string, string, RegExp]>([
    ['a big-endian dtype', "{'descr': '>f4', 'fortran_order': False, 'shape': (1,), }", /expected dtype <f4 or <f2 but received >f4/],
    ['Fortran order', "{'descr': '<f4', 'fortran_order': True, 'shape': (1,), }", /expected C order/],
    ['missing data', "{'descr': '<f4', 'fortran_order': False, 'shape': (9,), }", /expected 36 data bytes for shape \(9\) but received 4/],
  ])('rejects %s', (_name, header, message) => {
    const text = Buffer.from(header.padEnd(54) + '\n');
    const bytes = Buffer.concat([Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, text.length, 0]), text, Buffer.alloc(4)]);
    expect(() => parseNpy(bytes, 'a.npy')).toThrow(WeightsError);
    expect(() => parseNpy(bytes, 'a.npy')).toThrow(message);
  });
});

describe.skipIf(!existsSync(mobilenet))('the shared MobileNetV2 tensors (skipped: ../shared/weights/mobilenetv2-imagenet absent)', () => {
  it('loads the 105 tensors listed in TENSORS.tsv, checking shapes and SHA-256', async () => {
    const weights = await loadWeights(mobilenet);
    expect(weights.format).toBe('npy-folder');
    expect(weights.stateDict.size).toBe(105);
    expect(weights.stateDict.get('conv_0_weight')!.shape).toEqual([32, 3, 3, 3]);
    expect(weights.stateDict.get('conv_95_weight')!.shape[0]).toBe(1280);
    expect(countParameters(weights.stateDict)).toBeGreaterThan(2_000_000);
  });
});
