export { boxBlur } from './blur.js';
export { centrePrior, colourContrast, cueRadius, darkness, haematoxylin, smoothness } from './image-cues.js';
export { CUE_NAMES, fuseCues, standardise, toUnitRange, type CueName, type CueWeights, type CutRule } from './fuse.js';
