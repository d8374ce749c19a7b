/**
 * Learning from the pseudo-masks (issue 14, section 3): a teacher map from one forward pass becomes a
 * pseudo-mask (Otsu, DenseCRF) and confidence-weighted token labels; a per-token student head learns them in
 * one or two rounds; at inference one forward pass, the student, bilinear upsampling and DenseCRF give a mask.
 */
export * from './config.js';
export * from './features.js';
export * from './teacher.js';
export * from './infer.js';
export * from './learn.js';
export * from './student-model.js';
