export { boxBlur } from './blur.js';
export { centrePrior, colourContrast, cueRadius, darkness, haematoxylin, smoothness, validPixels } from './image-cues.js';
export { CUE_NAMES, cutFused, fuseCues, standardise, toUnitRange, type CueName, type CueWeights, type CutRule } from './fuse.js';
