/** CNN ops with backward rules: convolution, activations, pooling, batch normalisation, dropout. */
export * from './conv.js';
export * from './activation.js';
export * from './pool.js';
export * from './batch-norm.js';
export * from './dropout.js';
