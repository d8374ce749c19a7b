/**
 * A toy problem the whole method can solve: a bright disc at a random place on noise (positive) against
 * noise alone (negative), a tiny seeded random ViT (patch 4, dim 32, depth 2, heads 2) as the frozen
 * backbone, and a linear head trained on its CLS token. Everything is generated in code from seeds.
 */
import { createImageTensor, createMask, createRng, type ImageTensor, type Mask, type Rng } from '../../src/core/index.js';
import type { StateDict } from '../../src/backbone/state-dict.js';
import { resolveVitConfig, vitTensorShapes, type VitConfig } from '../../src/backbone/vit-config.js';
import { VitModel } from '../../src/backbone/vit-model.js';
import { ChannelStatsAccumulator, imageToBatch } from '../../src/data/index.js';
import { argmaxRows, predictHead, trainLinearHead, type HeadModel } from '../../src/head/index.js';
import { createVitFeatureExtractor } from '../../src/pipeline/model/feature-extractor.js';

export const DISC_IMAGE_SIZE = 32;
export const DISC_VIT: VitConfig = resolveVitConfig({ patchSize: 4, dim: 32, depth: 2, heads: 2, mlpRatio: 4, imageSize: DISC_IMAGE_SIZE });
export const DISC_CLASSES = ['noise', 'disc'] as const;

export interface DiscSample {
  readonly image: ImageTensor;
  /** The disc's pixels (all zero for a negative). */
  readonly mask: Mask;
  readonly label: 0 | 1;
}

/**
 * Grey noise, uniform in [0.1, 0.45], the same in the three channels as in a grayscale scan; a positive adds
 * a disc of radius 5-7 pixels at 0.85-0.95 whose centre keeps it clear of the border (morphology clears
 * objects touching the border, as the paper's chain does).
 */
export function discSample(rng: Rng, label: 0 | 1, size = DISC_IMAGE_SIZE): DiscSample {
  const image = createImageTensor(3, size, size);
  const mask = createMask(size, size);
  const radius = 5 + 2 * rng.next();
  const margin = radius + 3;
  const centre = { row: margin + rng.next() * (size - 2 * margin), col: margin + rng.next() * (size - 2 * margin) };
  const plane = size * size;
  for (let i = 0; i < plane; i++) {
    const inside = label === 1 && (Math.floor(i / size) - centre.row) ** 2 + ((i % size) - centre.col) ** 2 <= radius * radius;
    const value = inside ? 0.85 + 0.1 * rng.next() : 0.1 + 0.35 * rng.next();
    mask.data[i] = inside ? 1 : 0;
    for (let c = 0; c < 3; c++) image.data[c * plane + i] = value;
  }
  return { image, mask, label };
}

/** `count` samples, alternating negative and positive. */
export function discSamples(count: number, seed: number): DiscSample[] {
  const rng = createRng(seed);
  return Array.from({ length: count }, (_, i) => discSample(rng, (i % 2) as 0 | 1));
}

/**
 * Like a ViT at initialisation: LayerNorm gains 1 and biases 0, everything else N(0, 0.1^2). Random
 * features of a bright disc differ enough from those of noise for a linear probe. At std 0.1 the blocks
 * stay close to linear, so input gradients are not dominated by position-embedding hot spots (at 0.2 the
 * relevance of some held-out images peaked in a corner and morphology lost the disc).
 */
export function discVitStateDict(seed = 7, scale = 0.1): StateDict {
  const rng = createRng(seed);
  const dict: StateDict = new Map();
  for (const [name, shape] of vitTensorShapes(DISC_VIT)) {
    const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
    const isNorm = /norm\d?\.(weight|bias)$/.test(name);
    for (let i = 0; i < data.length; i++) data[i] = isNorm ? (name.endsWith('weight') ? 1 : 0) : scale * rng.normal();
    dict.set(name, { shape, data });
  }
  return dict;
}

export interface DiscClassifier {
  /** The backbone with the trained head attached (logits and input gradients). */
  readonly model: VitModel;
  readonly head: HeadModel;
  /** Accuracy of the trained head on `heldOut`. */
  readonly heldOutAccuracy: number;
}

/** Trains the linear head on CLS features of `train` (normalisation from `train` only) and scores it on `heldOut`. */
export async function trainDiscClassifier(train: readonly DiscSample[], heldOut: readonly DiscSample[], seed = 7): Promise<DiscClassifier> {
  const stateDict = discVitStateDict(seed);
  const statistics = new ChannelStatsAccumulator();
  for (const sample of train) statistics.add(sample.image);
  const normalisation = statistics.result();
  const backbone = await VitModel.create(stateDict, DISC_VIT, { inputSize: DISC_IMAGE_SIZE });
  const extract = createVitFeatureExtractor(backbone, { featureKind: 'cls', batchSize: 32 });
  const featuresOf = (samples: readonly DiscSample[]): Promise<Float32Array> =>
    extract(imageToBatch(samples.map((s) => s.image), normalisation), samples.length);
  const trainFeatures = await featuresOf(train);
  const heldOutFeatures = await featuresOf(heldOut);
  await backbone.dispose();
  const labels = Int32Array.from(train, (s) => s.label);
  const { head: linear } = trainLinearHead(trainFeatures, labels, { classes: [...DISC_CLASSES], epochs: 60, lr: 0.05, seed });
  const predicted = argmaxRows(predictHead(linear, heldOutFeatures), DISC_CLASSES.length);
  const heldOutAccuracy = heldOut.filter((s, i) => predicted[i] === s.label).length / heldOut.length;
  const model = await VitModel.create(stateDict, DISC_VIT, {
    inputSize: DISC_IMAGE_SIZE,
    head: { weight: linear.weight, bias: linear.bias, features: 'cls' },
  });
  const head: HeadModel = {
    head: linear, featureKind: 'cls', inputSize: DISC_IMAGE_SIZE, normalisation,
    backbone: { sha256: '0'.repeat(64), config: DISC_VIT }, training: { seed, config: null },
  };
  return { model, head, heldOutAccuracy };
}
