/** `fit --method micranet` (MICRA-Net trained from scratch on the head's split, resumable) and `segment --model` with it. */
export * from './fit-config.js';
export * from './fit-run.js';
export * from './segment-model.js';
