export { buildHtmlReport, escapeHtml, formatNumber, urlForPath, writeHtmlReport } from './html-report.js';
export { isRelativePath, validateReportInput, type ImageEntry, type Interval, type MethodSummary, type ReportInput } from './report-input.js';
export { contentTypeFor, resolveRequestPath, serveReport, type ReportServer, type ServeOptions } from './server.js';
export { isAllowedHost, isAllowedOrigin, MAX_BODY_BYTES, serveViewer, type ViewerOptions, type ViewerServer } from './app/index.js';
export {
  CORRECTION_DEFAULTS, correctMask, loadCorrectionInputs, writeCorrection,
  type Click, type CorrectionLog, type CorrectionResult, type CorrectionSettings, type CorrectionStages, type SeedGrid,
} from './correct/index.js';
export {
  datasetOfSource, diceHistogram, findGroundTruth, groundTruthIndex, LAYERS, resolveRunDir, ReviewIndex, RunReader, runMetrics, scoreMasks,
  type Histogram, type ImageRow, type LayerName, type MaskScore, type RunImage, type RunInfo, type RunMetrics, type RunRecord, type RunSnapshot,
} from './review/index.js';
export { buildRunReport, pickFigureImages, writeRunReport, type RunReportOptions } from './report/index.js';
