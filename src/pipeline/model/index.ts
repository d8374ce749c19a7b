/**
 * Model assembly: the backbone with the trained head attached (the classifier Algorithm 1 explains) and the
 * fine-tuned blocks when the head has them, its gradient function for attribution, its last-block keys for
 * the patch graph, its features for training.
 */
export * from './classifier.js';
export * from './gradient-fn.js';
export * from './patch-keys.js';
export * from './feature-extractor.js';
export * from './finetuned-blocks.js';
