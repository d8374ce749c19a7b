import type { Command } from './command.js';
import { inspectCommand } from './commands/inspect.js';
import { weightsCommand } from './commands/weights.js';

/** Every command the CLI knows, in the order `explainseg --help` lists them. */
export const commands: Command[] = [inspectCommand, weightsCommand];
