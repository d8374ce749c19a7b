export * from './corrected-masks.js';
