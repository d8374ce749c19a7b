export * from './permutohedral.js';
export { locateInLattice } from './lattice-simplex.js';
export * from './kernels.js';
export * from './unary.js';
export * from './mean-field.js';
export * from './refine.js';
