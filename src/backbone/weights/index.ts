export { bfloat16ToNumber, decodeToFloat32, float16ToNumber, type WeightsDtype } from './dtypes.js';
export { encodeSafetensors, float32Entry, parseSafetensors, type RawTensors, type SafetensorsEntry } from './safetensors.js';
export { parsePth } from './pth.js';
export { parseNpy, readNpyFolder } from './npy.js';
export { normalizeVitNames } from './names.js';
export { detectFormat, loadWeights, type LoadedWeights, type WeightsFormat } from './load.js';
export {
  checkVitStateDict,
  countParameters,
  expectedVitShapes,
  inferVitConfig,
  validateVitStateDict,
  type VitShapeConfig,
  type VitWeightsConfig,
} from './vit-check.js';
export {
  defaultCacheDir,
  fetchWeights,
  resolveWeightsPath,
  weightsCachePath,
  weightsRegistry,
  type FetchWeightsOptions,
  type FetchWeightsResult,
  type KnownWeights,
  type ResolveWeightsOptions,
} from './download.js';
