export * from './vit-config.js';
export * from './vit-model.js';
export * from './state-dict.js';
export * from './load-backbone.js';
export * from './weights/index.js';
export * from './dinov2/index.js';
export * from './cnn/index.js';
