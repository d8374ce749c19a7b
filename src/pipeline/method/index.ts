/**
 * Algorithm 1 of the paper for one image: explain (IG x NoiseTunnel, Sec. 3.3), take the ViT feature map and
 * fuse (Sec. 3.4-3.5), cut the map into a mask (morphology or Normalized Cut, Sec. 3.5), refine with DenseCRF
 * (Sec. 3.6). `methodNeeds` is the one place that decides what a config needs.
 */
export * from './needs.js';
export * from './explain-image.js';
export { attributeTiles, tileGrid, tileWindow, tilesFor } from './explain-tiles.js';
export * from './mask-from-map.js';
export * from './segment-image.js';
export * from './map-sources.js';
export { tokenMapRelevance, type RelevanceStep } from './patch-relevance.js';
