/**
 * Learning from the pseudo-masks (issue 14, section 3): a teacher map from one forward pass, fused with
 * label-free image cues, becomes a pseudo-mask and purity-weighted token labels; a per-token student head
 * learns them in one or two rounds; at inference one forward pass, the student's map fused with the same
 * kind of cues, a cut and (where it helps) DenseCRF give a mask.
 */
export * from './config.js';
export * from './features.js';
export * from './teacher.js';
export * from './cue-maps.js';
export * from './infer.js';
export * from './learn.js';
export * from './student-model.js';
