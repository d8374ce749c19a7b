export * from './linear-head.js';
export * from './report.js';
export * from './train.js';
export * from './head-file.js';
