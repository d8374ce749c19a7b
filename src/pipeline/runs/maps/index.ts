/** Map scores before masks (issue 14): the map evaluation run and the multiple-instance token head's training. */
export * from './config.js';
export * from './run.js';
export * from './token-head-run.js';
