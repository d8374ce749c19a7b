export * from './linear-head.js';
export * from './report.js';
export * from './train.js';
export * from './head-file.js';
export * from './token-head.js';
export * from './token-head-file.js';
export * from './token-targets.js';
export * from './student-head.js';
