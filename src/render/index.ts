/** Pictures of maps and masks: colormaps, heatmaps blended over the image, mask overlays; line charts for reports. */
export * from './colormaps.js';
export * from './overlay.js';
export * from './line-chart.js';
