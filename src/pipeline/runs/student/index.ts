/** `fit` (a labelled folder to a student model folder, resumable) and `segment --model` (the student at work). */
export * from './fit-config.js';
export * from './fit-stages.js';
export * from './fit-evaluate.js';
export * from './fit-run.js';
export * from './segment-model.js';
