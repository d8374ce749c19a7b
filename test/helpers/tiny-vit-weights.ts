/** A tiny random ViT (patch 4, dim 32, depth 2, 16x16 input) built in code, and written as safetensors. */
import { writeFile } from 'node:fs/promises';
import { createRng } from '../../src/core/index.js';
import type { StateDict } from '../../src/backbone/state-dict.js';
import { resolveVitConfig, vitTensorShapes, type VitConfig } from '../../src/backbone/vit-config.js';
import { encodeSafetensors, float32Entry } from '../../src/backbone/weights/index.js';

export const TINY_VIT: VitConfig = resolveVitConfig({ patchSize: 4, dim: 32, depth: 2, heads: 2, mlpRatio: 4, imageSize: 16 });

/**
 * LayerNorm weights are 1 and biases 0 as at initialisation; everything else is uniform in +-0.2 (std ~0.12),
 * enough for distinct images to give distinct CLS tokens through two blocks.
 */
export function tinyVitStateDict(seed = 0, config: VitConfig = TINY_VIT): StateDict {
  const rng = createRng(seed);
  const dict: StateDict = new Map();
  for (const [name, shape] of vitTensorShapes(config)) {
    const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
    const isNorm = /norm\d?\.(weight|bias)$/.test(name);
    for (let i = 0; i < data.length; i++) data[i] = isNorm ? (name.endsWith('weight') ? 1 : 0) : (rng.next() - 0.5) * 0.4;
    dict.set(name, { shape, data });
  }
  return dict;
}

export async function writeTinyVitSafetensors(path: string, seed = 0): Promise<string> {
  const entries = new Map([...tinyVitStateDict(seed)].map(([name, tensor]) => [name, float32Entry(tensor)] as const));
  await writeFile(path, encodeSafetensors(entries));
  return path;
}
