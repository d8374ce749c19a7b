import type { Command } from './command.js';

/** Every command the CLI knows, in the order `explainseg --help` lists them. */
export const commands: Command[] = [];
