export { LAYERS, ReviewIndex, type ImageRow, type LayerName, type RunImage, type RunInfo } from './review-index.js';
export { datasetOfSource, parseRecord, resolveRunDir, RunReader, runName, type RunRecord, type RunSnapshot } from './run-folder.js';
export { findGroundTruth, groundTruthIndex, ScoreCache, scoreMasks, type MaskScore } from './scores.js';
export { diceHistogram, runMetrics, type Histogram, type RunMetrics, type ScoredEntry } from './summary.js';
