/** Scoring against ground truth: which images a comparison may score, mask folders paired and scored, reports. */
export * from './scored-subset.js';
export * from './mask-folders.js';
export * from './report.js';
export * from './split-parts.js';
export * from './map-report.js';
