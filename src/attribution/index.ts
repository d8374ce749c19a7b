export * from './types.js';
export * from './quadrature.js';
export * from './baselines.js';
export * from './gaussian-blur.js';
export * from './integrated-gradients.js';
export * from './noise-tunnel.js';
export * from './reduce.js';
export { attributeSingle, resolveTarget, type SingleAttributeOptions } from './single-input.js';
export * from './grad-cam.js';
