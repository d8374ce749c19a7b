/** The pipeline's configuration: types in the stages' vocabulary, the frozen defaults, the variant presets. */
export * from './types.js';
export * from './defaults.js';
export * from './presets.js';
export * from './describe.js';
export * from './validate.js';
