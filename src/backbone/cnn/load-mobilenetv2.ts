/**
 * Load the shared MobileNetV2 weights: a folder of .npy files (one per tensor, TENSORS.tsv checked), the
 * tensors the layout does not use reported as ignored.
 */
import type { StateDict } from '../state-dict.js';
import { loadWeights } from '../weights/load.js';
import { checkMobileNetV2Weights, MOBILENETV2_IMAGENET_LAYOUT, unusedMobileNetV2Tensors, type MobileNetV2Layout } from './mobilenetv2-layout.js';

/** ImageNet normalisation of the ONNX Model Zoo's mobilenetv2-7 (the pixels in [0, 1] first). */
export const MOBILENETV2_NORMALISATION = Object.freeze({ mean: [0.485, 0.456, 0.406] as const, std: [0.229, 0.224, 0.225] as const });

export interface LoadedMobileNetV2 {
  readonly stateDict: StateDict;
  /** SHA-256 of the folder's sorted "file<TAB>sha256" lines. */
  readonly sha256: string;
  /** Channels of the feature map (1280). */
  readonly features: number;
  /** Tensors present but unused (the classifier bias `gemm_104_bias`). */
  readonly ignored: string[];
}

export async function loadMobileNetV2(folder: string, layout: MobileNetV2Layout = MOBILENETV2_IMAGENET_LAYOUT): Promise<LoadedMobileNetV2> {
  const loaded = await loadWeights(folder);
  const features = checkMobileNetV2Weights(loaded.stateDict, layout, folder);
  return { stateDict: loaded.stateDict, sha256: loaded.sha256, features, ignored: unusedMobileNetV2Tensors(loaded.stateDict, layout) };
}
