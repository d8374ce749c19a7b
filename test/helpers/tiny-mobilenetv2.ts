/**
 * A tiny random MobileNetV2 in the ImageNet layout (the same conv_N numbering, strides and residual adds as
 * the shared weights, so loadExplainableBackbone and loadClassifier take it) with a few channels per layer
 * and 16 output features, built in code and written as a folder of .npy files. Seeded: every run sees the
 * same network. He-style weights and a small positive bias keep the ReLU6 units alive through 17 blocks.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createRng } from '../../src/core/index.js';
import { MOBILENETV2_IMAGENET_LAYOUT, convBiasName, convWeightName } from '../../src/backbone/index.js';
import type { StateDict } from '../../src/backbone/state-dict.js';

/** Channels after the stem, after each block of the ImageNet layout (16 blocks), and of the last conv. */
const STEM = 4;
const BLOCK_OUTPUTS = [4, 4, 6, 6, 6, 6, 6, 6, 6, 8, 8, 8, 8, 8, 8, 8];
export const TINY_MOBILENETV2_FEATURES = 16;
const EXPANSION = 2;

function addConv(dict: StateDict, rng: ReturnType<typeof createRng>, index: number, shape: [number, number, number, number]): void {
  const [out, perGroup, k] = shape;
  const fanIn = perGroup * k * k;
  const weight = Float32Array.from({ length: out * perGroup * k * k }, () => rng.normal() * Math.sqrt(2 / fanIn));
  dict.set(convWeightName(index), { shape, data: weight });
  dict.set(convBiasName(index), { shape: [out], data: Float32Array.from({ length: out }, () => 0.05 + 0.05 * rng.normal()) });
}

export function tinyMobileNetV2StateDict(seed = 7): StateDict {
  const rng = createRng(seed);
  const dict: StateDict = new Map();
  const layout = MOBILENETV2_IMAGENET_LAYOUT;
  const [first, stemDepthwise, stemProject] = layout.stem;
  addConv(dict, rng, first, [STEM, 3, 3, 3]);
  addConv(dict, rng, stemDepthwise, [STEM, 1, 3, 3]);
  addConv(dict, rng, stemProject, [STEM, STEM, 1, 1]);
  let channels = STEM;
  layout.blocks.forEach((block, b) => {
    const out = BLOCK_OUTPUTS[b]!;
    const hidden = channels * EXPANSION;
    addConv(dict, rng, block.convs[0], [hidden, channels, 1, 1]);
    addConv(dict, rng, block.convs[1], [hidden, 1, 3, 3]);
    addConv(dict, rng, block.convs[2], [out, hidden, 1, 1]);
    channels = out;
  });
  addConv(dict, rng, layout.last, [TINY_MOBILENETV2_FEATURES, channels, 1, 1]);
  return dict;
}

/** One little-endian float32 C-order array in NumPy's .npy format, version 1.0, header padded to 64 bytes. */
export function encodeNpy(shape: readonly number[], data: Float32Array): Uint8Array {
  const dims = shape.length === 1 ? `${shape[0]},` : shape.join(', ');
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${dims}), }`;
  header = header.padEnd(Math.ceil((10 + header.length + 1) / 64) * 64 - 10 - 1) + '\n';
  const bytes = new Uint8Array(10 + header.length + data.byteLength);
  bytes.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, header.length & 0xff, header.length >> 8]);
  bytes.set(new TextEncoder().encode(header), 10);
  bytes.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), 10 + header.length);
  return bytes;
}

/** Writes the tiny network as `dir/conv_N_weight.npy` ... (a folder loadWeights reads); returns `dir`. */
export async function writeTinyMobileNetV2Folder(dir: string, seed = 7): Promise<string> {
  await mkdir(dir, { recursive: true });
  for (const [name, tensor] of tinyMobileNetV2StateDict(seed)) await writeFile(join(dir, `${name}.npy`), encodeNpy(tensor.shape, tensor.data));
  return dir;
}
