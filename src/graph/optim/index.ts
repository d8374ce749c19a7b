export * from './optimizer.js';
export * from './sgd.js';
export * from './adamw.js';
export * from './schedules.js';
export * from './clip.js';
export * from './plateau.js';
