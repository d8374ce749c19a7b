/**
 * The orchestration layer: Algorithm 1 of the paper and its uses. Read it top down:
 * config (settings in the stages' vocabulary) -> model (backbone + head) -> method (Algorithm 1 for one
 * image) and training (step 1: the head) and competitors (TokenCut, MaskCut, references) -> evaluation
 * (scores) -> runtime (worker pool, run store, caches) -> runs (segment, explain, train, compare, demo).
 */
export * from './config/index.js';
export * from './model/index.js';
export * from './method/index.js';
export * from './training/index.js';
export * from './competitors/index.js';
export * from './evaluation/index.js';
export * from './runtime/index.js';
export * from './runs/index.js';
export * from './student/index.js';
