/**
 * ExplainSeg's public API: segmentation from a classifier, explained. The layers follow Algorithm 1 of
 * "No Masks Needed": backbone + head (classification), attribution (Integrated Gradients x NoiseTunnel),
 * features and fusion, map-to-mask (morphology or Normalized Cut), DenseCRF, metrics; the pipeline joins them.
 */
export * from './core/index.js';

export {
  VitModel, VIT_OUTPUTS, VIT_SMALL_16, DINOV2_SMALL_14, resolveVitConfig, loadBackbone, vitConfigFromStateDict,
  loadWeights, inferVitConfig, checkVitStateDict, fetchWeights, resolveWeightsPath, encodeSafetensors,
  type VitOutput, type VitOutputs, type VitModelOptions, type VitConfig, type VitBackbone, type StateDict, type NamedTensor, type LoadedWeights, type LoadedBackbone,
  BACKBONE_KINDS, detectBackboneKind, loadExplainableBackbone, MobileNetV2Model, MobileNetV2Explainable, loadMobileNetV2, MOBILENETV2_NORMALISATION,
  type BackboneKind, type BackboneConfig, type ExplainableModel, type ExplainableConfig, type LoadExplainableOptions, type LoadedExplainableBackbone, type MobileNetV2BackboneConfig,
} from './backbone/index.js';

export * from './data/index.js';
export * from './head/index.js';
export * from './attribution/index.js';
export * from './features/index.js';
export * from './postprocess/index.js';
export * from './ncut/index.js';
export * from './crf/index.js';
export * from './metrics/index.js';

export * from './render/index.js';

export type { PipelineConfig, PartialPipelineConfig, VariantName, Classifier, ImageExplanation, SegmentationResult } from './pipeline/index.js';
export {
  defaultConfig, variantPresets, variantNames, defaultVariant, fastPreset, mergeConfig, resolveConfig, methodNeeds,
  loadClassifier, withClassifier, gradientFnFor, explainImage, segmentImage, segmentFromExplanation, cutAndRefine,
  runSegmentation, trainClassifier, finetuneClassifier, resolveFinetuneRecipe, FINETUNE_DEFAULTS, saveFinetunedBlocks, loadFinetunedBlocks, tokenCutBaseline, maskCutBaseline, bestSingleMask, ellipsePrior, otsuOnIntensity,
  fractionFromMasks, evaluateMaskFolders, COMPETITORS,
} from './pipeline/index.js';
