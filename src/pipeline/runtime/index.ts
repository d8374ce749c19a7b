/**
 * What long runs stand on: the worker pool that cuts and refines on another core, the per-item record store
 * that makes runs resumable, and the cache of explanations (the expensive step).
 */
export * from './postprocess-job.js';
export * from './postprocess-pool.js';
export * from './run-store.js';
export * from './explanation-cache.js';
export * from './run-folder-guard.js';
