export * from './vit-maps.js';
export * from './fusion.js';
export * from './layer-maps.js';
