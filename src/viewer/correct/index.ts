export {
  CORRECTION_DEFAULTS, correctMask, ensureClick, loadCorrectionInputs, writeCorrection,
  type CorrectionInputs, type CorrectionLog, type CorrectionResult, type CorrectionSettings, type CorrectionStages, type LoadedCorrection,
} from './correction.js';
export { calibratedPrior, clickPriorWeights, seedGrid, type Click, type SeedGrid } from './seeds.js';
