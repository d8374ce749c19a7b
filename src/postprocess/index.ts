export { toGrayscale, LUMA_WEIGHTS } from './grayscale.js';
export { equalizeHistogram, histogramUniform, type UniformHistogram } from './histogram.js';
export { equalizeAdaptive, type AdaptiveEqualizationOptions } from './clahe.js';
export { thresholdOtsu, binarizeAtValue, binarizeAtMean } from './threshold.js';
export { footprintDisk, footprintSquare, footprintFromRows, type Footprint } from './footprint.js';
export { binaryDilate, binaryErode, binaryOpen, binaryClose } from './morphology.js';
export {
  labelComponents, clearBorder, removeSmallObjects, keepLargestComponent,
  type Connectivity, type ComponentStats, type LabelledComponents,
} from './components.js';
export { fillHoles } from './fill-holes.js';
export {
  maskFromMapMorphology, DEFAULT_MORPHOLOGY_CHAIN, type MorphologyChainOptions, type MorphologyChainResult,
} from './preset.js';
export { darkBorderRegions } from './artefacts.js';
