export {
  confusionCounts, iou, dice, iouFromCounts, diceFromCounts, meanIouTwoClass, sumCounts, pooledIou, pooledDice,
  EMPTY_GROUND_TRUTH_RULES, type ConfusionCounts, type EmptyGroundTruthRule, type ScoreOptions,
} from './confusion.js';
export {
  SegmentationMetrics, percentile, type SegmentationMetricsOptions, type ImageScoreRow, type Interval, type MetricsSummary,
} from './segmentation-metrics.js';
export { bootstrapMeanIntervals, meanOfFinite, type BootstrapOptions } from './bootstrap.js';
export { mapRocAuc, pointingGame } from './map-scores.js';
export { MapScoreMetrics, type MapScoreMetricsOptions, type MapScoreRow, type MapScoreSummary } from './map-metrics.js';
export { toCsv } from './csv.js';
