/**
 * Step 1 of Algorithm 1: train the classification head on the backbone's features, from image labels only,
 * optionally fine-tuning the backbone's last blocks with it (checkpointed, resumable).
 */
export * from './train-classifier.js';
export * from './train-head.js';
export * from './item-images.js';
export * from './finetune-recipe.js';
export * from './finetune-checkpoint.js';
export * from './finetune-data.js';
export * from './finetune-loop.js';
export * from './finetune-classifier.js';
