/** Competing methods on the same backbone and data (TokenCut, MaskCut) and the trivial references. */
export * from './cut-baselines.js';
export * from './references.js';
export * from './registry.js';
export * from './micranet/index.js';
