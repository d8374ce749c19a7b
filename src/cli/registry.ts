import type { Command } from './command.js';
import { benchCommand } from './commands/bench.js';
import { compareCommand } from './commands/compare.js';
import { demoCommand } from './commands/demo.js';
import { evaluateCommand } from './commands/evaluate.js';
import { explainCommand } from './commands/explain.js';
import { inspectCommand } from './commands/inspect.js';
import { segmentCommand } from './commands/segment.js';
import { trainCommand } from './commands/train.js';
import { viewCommand } from './commands/view.js';
import { weightsCommand } from './commands/weights.js';

/** Every command the CLI knows, in the order `explainseg --help` lists them (the method's order). */
export const commands: Command[] = [
  demoCommand,
  trainCommand,
  explainCommand,
  segmentCommand,
  evaluateCommand,
  compareCommand,
  viewCommand,
  benchCommand,
  weightsCommand,
  inspectCommand,
];
