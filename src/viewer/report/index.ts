export { buildRunReport, histogramSvg, pickFigureImages, writeRunReport, type RunReportOptions } from './run-report.js';
export { composeOverlay, fitImage, maskOutline } from './figure.js';
