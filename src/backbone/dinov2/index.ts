export { checkDinov2StateDict, detectVitBackbone, expectedDinov2Shapes, inferDinov2Config, type Dinov2WeightsConfig } from './check.js';
export { isDinov2TensorName } from './names.js';
export { posEmbedInterpolation } from './tokens.js';
