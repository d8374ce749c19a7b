/**
 * The method's uses as resumable run folders, each writing its own run.json: segment, explain, train,
 * compare (paper Tables 1 and 2) and demo (all of it on one dataset).
 */
export * from './segment-run.js';
export * from './segment-folder.js';
export * from './explain-outputs.js';
export * from './explain-run.js';
export * from './train-run.js';
export * from './compare-config.js';
export * from './compare-run.js';
export * from './compare-report.js';
export * from './demo-report.js';
export * from './demo-run.js';
export * from './maps/index.js';
export * from './student/index.js';
export * from './model-segment-folder.js';
export * from './micranet/index.js';
