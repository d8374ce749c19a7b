export * from './vit-maps.js';
export * from './fusion.js';
