/**
 * MICRA-Net (Bilodeau et al. 2022) as a competitor trained from scratch on the same data: training with
 * resumable checkpoints, the model folder `fit` writes and `segment --model` reads, and its Grad-CAM /
 * PCA segmentation. `compare` can run it through `runMicraNetCompetitor` once its context carries a model.
 */
export * from './augment.js';
export * from './checkpoint.js';
export * from './train.js';
export * from './samples.js';
export * from './model-folder.js';
export * from './segment.js';
