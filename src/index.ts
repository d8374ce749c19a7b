/**
 * ExplainSeg's public API: segmentation from a classifier, explained. The layers follow Algorithm 1 of
 * "No Masks Needed": backbone + head (classification), attribution (Integrated Gradients x NoiseTunnel),
 * features and fusion, map-to-mask (morphology or Normalized Cut), DenseCRF, metrics; the pipeline joins them.
 */
export * from './core/index.js';

export { VitModel, VIT_OUTPUTS, type VitOutput, type VitOutputs, type VitModelOptions } from './backbone/vit-model.js';
export { VIT_SMALL_16, resolveVitConfig, type VitConfig } from './backbone/vit-config.js';
export type { StateDict, NamedTensor } from './backbone/state-dict.js';
export {
  loadWeights, inferVitConfig, checkVitStateDict, fetchWeights, resolveWeightsPath, encodeSafetensors, type LoadedWeights,
} from './backbone/weights/index.js';

export * from './data/index.js';
export * from './head/index.js';
export * from './attribution/index.js';
export * from './features/index.js';
export * from './postprocess/index.js';
export * from './ncut/index.js';
export * from './crf/index.js';
export * from './metrics/index.js';

export type { PipelineConfig, PartialPipelineConfig } from './pipeline/config.js';
export { defaultConfig } from './pipeline/defaults.js';
export { variantPresets, variantNames, defaultVariant, fastPreset, mergeConfig, resolveConfig, type VariantName } from './pipeline/presets.js';
export { loadClassifier, type Classifier } from './pipeline/classifier-model.js';
export { explainImage, gradientFnFor, type ImageExplanation } from './pipeline/explain-image.js';
export { segmentImage, segmentFromExplanation, type SegmentationResult } from './pipeline/segment-image.js';
export { runSegmentation } from './pipeline/segment-run.js';
export { trainClassifier } from './pipeline/train-classifier.js';
export { tokenCutBaseline, maskCutBaseline, bestSingleMask } from './pipeline/baselines.js';
export { ellipsePrior, otsuOnIntensity, fractionFromMasks } from './pipeline/references.js';
export { evaluateMaskFolders } from './pipeline/evaluate.js';
export { blendHeatmap, colorizeMap, overlayMask } from './pipeline/overlay.js';

// Names that two stages define alike: the head's feature kind ('cls' | 'clsLast4') and the ncut patch grid win.
export type { FeatureKind } from './head/index.js';
export type { PatchGrid } from './ncut/index.js';
export type { FeatureKind as FeatureMapKind } from './features/index.js';
