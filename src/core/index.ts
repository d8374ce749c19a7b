export * from './errors.js';
export * from './validate.js';
export * from './rng.js';
export * from './types.js';
export * from './shape-checks.js';
export * from './progress.js';
export * from './files.js';
export * from './run-manifest.js';
