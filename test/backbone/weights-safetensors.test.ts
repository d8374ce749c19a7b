import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { WeightsError } from '../../src/core/errors.js';
import {
  bfloat16ToNumber,
  checkVitStateDict,
  countParameters,
  encodeSafetensors,
  float16ToNumber,
  float32Entry,
  inferVitConfig,
  loadWeights,
  parseSafetensors,
  type SafetensorsEntry,
} from '../../src/backbone/weights/index.js';
import type { NamedTensor } from '../../src/backbone/state-dict.js';

const fixtures = join(import.meta.dirname, '..', 'fixtures', 'weights');
const plain = (JSON.parse(readFileSync(join(fixtures, 'expected.json'), 'utf8')) as { plain: Record<string, { shape: number[]; data: number[] }> }).plain;
const tinyVit = new Map<string, NamedTensor>(Object.entries(plain).map(([name, t]) => [name, { shape: t.shape, data: Float32Array.from(t.data) }]));
const sharedVit = join(import.meta.dirname, '..', '..', '..', 'shared', 'weights', 'vit-s16-ssl', 'vit-s16-ssl.safetensors');

describe('half-precision decoding (hand-computed IEEE 754 table)', () => {
  it.each([
    [0x3c00, 1], [0xc000, -2], [0x3555, 0.333251953125], [0x7bff, 65504], [0x0400, 2 ** -14],
    [0x0001, 2 ** -24], [0x8000, -0], [0x7c00, Infinity], [0xfc00, -Infinity],
  ])('float16 0x%s -> %s', (bits, value) => expect(float16ToNumber(bits)).toBe(value));
  it('float16 NaN', () => expect(float16ToNumber(0x7e00)).toBeNaN());
  it.each([[0x3f80, 1], [0xc040, -3], [0x3e80, 0.25], [0x7f80, Infinity], [0x0001, 2 ** -133]])('bfloat16 0x%s -> %s', (bits, value) =>
    expect(bfloat16ToNumber(bits)).toBe(value),
  );
});

function halfEntry(dtype: 'float16' | 'bfloat16', shape: number[], bits: number[]): SafetensorsEntry {
  return { dtype, shape, bytes: new Uint8Array(new Uint16Array(bits).buffer) };
}

describe('parseSafetensors', () => {
  it('reads F32, F16 and BF16 tensors and the metadata', () => {
    const bytes = encodeSafetensors(
      new Map([
        ['a', float32Entry({ shape: [2], data: Float32Array.of(1.5, -2) })],
        ['b', halfEntry('float16', [1, 2], [0x3c00, 0xc000])],
        ['c', halfEntry('bfloat16', [2], [0x3e80, 0xc040])],
      ]),
      { arch: 'vit_small' },
    );
    const raw = parseSafetensors(bytes, 'x.safetensors');
    expect(Array.from(raw.tensors.get('a')!.data)).toEqual([1.5, -2]);
    expect(raw.tensors.get('b')).toEqual({ shape: [1, 2], data: Float32Array.of(1, -2) });
    expect(Array.from(raw.tensors.get('c')!.data)).toEqual([0.25, -3]);
    expect([...raw.dtypes.values()]).toEqual(['float32', 'float16', 'bfloat16']);
    expect(raw.metadata).toEqual({ arch: 'vit_small' });
  });

  const good = (): Uint8Array => encodeSafetensors(new Map([['w', float32Entry({ shape: [2], data: Float32Array.of(1, 2) })]]));
  const withHeader = (header: object, dataBytes = 8): Uint8Array => {
    const json = Buffer.from(JSON.stringify(header));
    const out = Buffer.alloc(8 + json.length + dataBytes);
    out.writeBigUInt64LE(BigInt(json.length), 0);
    json.copy(out, 8);
    return new Uint8Array(out);
  };
  it.each<[string, () => Uint8Array, string]>([
    ['too short', () => new Uint8Array(4), 'expected at least 8 bytes'],
    ['header length past the end', () => { const b = good(); new DataView(b.buffer).setUint32(0, 1e6, true); return b; }, 'header length <= '],
    ['bad JSON', () => { const b = good(); b[8] = 0x5b; return b; }, 'not valid JSON'],
    ['offsets past the data', () => withHeader({ w: { dtype: 'F32', shape: [4], data_offsets: [0, 16] } }), "tensor 'w': expected data_offsets within the 8 data bytes"],
    ['size not matching shape', () => withHeader({ w: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }), "tensor 'w': expected 12 bytes for shape [3] F32 but received 8"],
    ['unsupported dtype', () => withHeader({ w: { dtype: 'I64', shape: [1], data_offsets: [0, 8] } }), "tensor 'w': expected dtype F32, F16 or BF16 but received I64"],
  ])('rejects %s, naming file and tensor', (_name, make, message) => {
    expect(() => parseSafetensors(make(), 'bad.safetensors')).toThrow(WeightsError);
    expect(() => parseSafetensors(make(), 'bad.safetensors')).toThrow(/^bad\.safetensors: /);
    expect(() => parseSafetensors(make(), 'bad.safetensors')).toThrow(message);
  });
});

/** Split the tiny ViT into Hugging Face ViTModel names (the inverse of the loader's mapping). */
function toHuggingFace(stateDict: Map<string, NamedTensor>, prefix: string): Map<string, SafetensorsEntry> {
  const out = new Map<string, SafetensorsEntry>();
  const put = (name: string, tensor: NamedTensor): void => void out.set(prefix + name, float32Entry(tensor));
  const top: Record<string, string> = {
    cls_token: 'embeddings.cls_token', pos_embed: 'embeddings.position_embeddings',
    'patch_embed.proj.weight': 'embeddings.patch_embeddings.projection.weight', 'patch_embed.proj.bias': 'embeddings.patch_embeddings.projection.bias',
    'norm.weight': 'layernorm.weight', 'norm.bias': 'layernorm.bias',
  };
  const block: Record<string, string> = {
    'attn.proj': 'attention.output.dense', norm1: 'layernorm_before', norm2: 'layernorm_after', 'mlp.fc1': 'intermediate.dense', 'mlp.fc2': 'output.dense',
  };
  for (const [name, tensor] of stateDict) {
    if (name in top) put(top[name]!, tensor);
    const match = /^blocks\.(\d+)\.(.+)\.(weight|bias)$/.exec(name);
    if (!match) continue;
    const [, index, layer, kind] = match;
    if (layer === 'attn.qkv') {
      const third = tensor.data.length / 3;
      ['query', 'key', 'value'].forEach((part, i) =>
        put(`encoder.layer.${index}.attention.attention.${part}.${kind}`, { shape: [tensor.shape[0]! / 3, ...tensor.shape.slice(1)], data: tensor.data.slice(i * third, (i + 1) * third) }),
      );
    } else put(`encoder.layer.${index}.${block[layer!]}.${kind}`, tensor);
  }
  put('pooler.dense.weight', { shape: [8, 8], data: new Float32Array(64) });
  return out;
}

describe('loadWeights on safetensors in Hugging Face names', () => {
  it('maps facebook/dino-vits16 names (with vit. prefix) to the DINO state dict, fusing q, k, v', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'explainseg-st-'));
    const file = join(dir, 'hf.safetensors');
    await writeFile(file, encodeSafetensors(toHuggingFace(tinyVit, 'vit.')));
    const weights = await loadWeights(file);
    expect(weights.format).toBe('safetensors');
    expect(weights.ignored).toEqual(['vit.pooler.dense.weight (not part of the backbone)']);
    expect(new Map([...weights.stateDict].sort())).toEqual(new Map([...tinyVit].sort()));
  });

  it('keeps an incomplete q/k/v under its HF names so the check reports it', async () => {
    const entries = toHuggingFace(tinyVit, '');
    entries.delete('encoder.layer.0.attention.attention.value.bias');
    const dir = await mkdtemp(join(tmpdir(), 'explainseg-st-'));
    await writeFile(join(dir, 'partial.safetensors'), encodeSafetensors(entries));
    const { stateDict } = await loadWeights(join(dir, 'partial.safetensors'));
    // without its bias, block 0 looks bias-free to inference: check against the config DINO actually uses
    const config = { ...inferVitConfig(stateDict), qkvBias: true };
    expect(() => checkVitStateDict(stateDict, config)).toThrow(/missing tensor blocks\.0\.attn\.qkv\.bias \[24\]/);
    expect(() => checkVitStateDict(stateDict, config)).toThrow(/unexpected tensor encoder\.layer\.0\.attention\.attention\.query\.bias \[8\]/);
  });
});

describe.skipIf(!existsSync(sharedVit))('the shared vit-s16-ssl weights (skipped: ../shared/weights/vit-s16-ssl absent)', () => {
  it('loads as a ViT-S/16 that passes the shape check', async () => {
    const weights = await loadWeights(sharedVit);
    expect(weights.dtypes).toEqual(['float16']);
    expect(weights.metadata.arch).toBe('vit_small');
    const config = inferVitConfig(weights.stateDict);
    expect(config).toEqual({ patchSize: 16, dim: 384, depth: 12, heads: 6, mlpDim: 1536, inChannels: 3, numPatches: 196, imageSize: 224, qkvBias: true });
    expect(() => checkVitStateDict(weights.stateDict, config)).not.toThrow();
    expect(countParameters(weights.stateDict)).toBe(21_665_664);
    expect(weights.stateDict.get('blocks.11.mlp.fc2.weight')!.data.every(Number.isFinite)).toBe(true);
  });
});
