/**
 * A tiny random ViT classifier for explain tests: patch 4, dim 32, depth 2, heads 2, 16x16 input, two classes.
 * Weights are seeded so every run sees the same model; LayerNorm gains sit near 1 so activations stay O(1).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { createImageTensor, createRng, sha256Bytes, type ImageTensor } from '../../src/core/index.js';
import type { StateDict } from '../../src/backbone/state-dict.js';
import { resolveVitConfig, vitTensorShapes, type VitConfig } from '../../src/backbone/vit-config.js';
import { VitModel } from '../../src/backbone/vit-model.js';
import { encodeSafetensors, float32Entry } from '../../src/backbone/weights/index.js';
import { createLinearHead, saveHead, type HeadModel } from '../../src/head/index.js';
import { mergeConfig } from '../../src/pipeline/config/presets.js';
import { defaultConfig } from '../../src/pipeline/config/defaults.js';
import type { PartialPipelineConfig, PipelineConfig } from '../../src/pipeline/config/types.js';

export const TINY_VIT: VitConfig = resolveVitConfig({ patchSize: 4, dim: 32, depth: 2, heads: 2, mlpRatio: 4, imageSize: 16 });

export function tinyStateDict(seed = 1): StateDict {
  const rng = createRng(seed);
  const dict: StateDict = new Map();
  for (const [name, shape] of vitTensorShapes(TINY_VIT)) {
    const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
    const isGain = /norm\d?\.weight$/.test(name);
    for (let i = 0; i < data.length; i++) data[i] = isGain ? 1 + 0.1 * rng.normal() : 0.2 * rng.normal();
    dict.set(name, { shape, data });
  }
  return dict;
}

export function tinyHeadModel(backboneSha256: string, seed = 2): HeadModel {
  const rng = createRng(seed);
  const weight = Float32Array.from({ length: 2 * TINY_VIT.dim }, () => 0.5 * rng.normal());
  return {
    head: createLinearHead(['benign', 'malignant'], TINY_VIT.dim, weight, Float32Array.of(0.1, -0.1)),
    featureKind: 'cls',
    inputSize: 16,
    normalisation: { mean: [0.5, 0.4, 0.3], std: [0.25, 0.2, 0.3] },
    backbone: { sha256: backboneSha256, config: TINY_VIT },
    training: { seed: 0, config: null },
  };
}

export async function tinyClassifier(): Promise<{ model: VitModel; head: HeadModel }> {
  const head = tinyHeadModel('0'.repeat(64));
  const model = await VitModel.create(tinyStateDict(), TINY_VIT, {
    head: { weight: head.head.weight, bias: head.head.bias, features: 'cls' },
    inputSize: 16,
  });
  return { model, head };
}

/** Writes weights (safetensors) and a matching head file into `dir`; returns their paths. */
export async function writeTinyClassifierFiles(dir: string): Promise<{ weightsPath: string; headPath: string; sha256: string }> {
  await mkdir(dir, { recursive: true });
  const entries = new Map([...tinyStateDict()].map(([name, tensor]) => [name, float32Entry(tensor)] as const));
  const bytes = encodeSafetensors(entries);
  const weightsPath = join(dir, 'tiny-vit.safetensors');
  const headPath = join(dir, 'head.json');
  await writeFile(weightsPath, bytes);
  const sha256 = sha256Bytes(bytes);
  await saveHead(headPath, tinyHeadModel(sha256));
  return { weightsPath, headPath, sha256 };
}

/** A smooth blob on a gradient background, rows x cols, values in [0, 1]. */
export function blobImage(rows: number, cols: number, seed = 3): ImageTensor {
  const rng = createRng(seed);
  const [cy, cx, radius] = [rows * (0.3 + 0.4 * rng.next()), cols * (0.3 + 0.4 * rng.next()), Math.min(rows, cols) * 0.25];
  const image = createImageTensor(3, rows, cols);
  const plane = rows * cols;
  for (let y = 0; y < rows; y++) {
    for (let x = 0; x < cols; x++) {
      const inside = Math.exp(-((y - cy) ** 2 + (x - cx) ** 2) / (2 * radius * radius));
      for (let c = 0; c < 3; c++) image.data[c * plane + y * cols + x] = Math.min(1, 0.2 + 0.3 * (x / cols) + 0.5 * inside * (c === 0 ? 1 : 0.6));
    }
  }
  return image;
}

export async function writePng(path: string, image: ImageTensor): Promise<void> {
  const plane = image.rows * image.cols;
  const pixels = new Uint8Array(plane * 3);
  for (let i = 0; i < plane; i++) for (let c = 0; c < 3; c++) pixels[i * 3 + c] = Math.round(image.data[c * plane + i]! * 255);
  await sharp(pixels, { raw: { width: image.cols, height: image.rows, channels: 3 } }).png().toFile(path);
}

export function explainConfig(explain: PartialPipelineConfig['explain'], extra: PartialPipelineConfig = {}): PipelineConfig {
  return mergeConfig(defaultConfig, { inputSize: 16, explain: { internalBatchSize: 64, ...explain } }, extra);
}
