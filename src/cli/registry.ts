import type { Command } from './command.js';
import { benchCommand } from './commands/bench.js';
import { compareCommand } from './commands/compare.js';
import { dataCommand } from './commands/data.js';
import { demoCommand } from './commands/demo.js';
import { evaluateCommand } from './commands/evaluate.js';
import { evaluateMapsCommand } from './commands/maps/evaluate-maps.js';
import { trainTokenHeadCommand } from './commands/maps/train-token-head.js';
import { explainCommand } from './commands/explain.js';
import { fitCommand } from './commands/student/fit.js';
import { inspectCommand } from './commands/inspect.js';
import { reportCommand } from './commands/report.js';
import { segmentCommand } from './commands/segment.js';
import { trainCommand } from './commands/train.js';
import { viewCommand } from './commands/view.js';
import { weightsCommand } from './commands/weights.js';

/** Every command the CLI knows, in the order `explainseg --help` lists them (the method's order). */
export const commands: Command[] = [
  demoCommand,
  trainCommand,
  trainTokenHeadCommand,
  fitCommand,
  explainCommand,
  segmentCommand,
  evaluateCommand,
  evaluateMapsCommand,
  compareCommand,
  viewCommand,
  reportCommand,
  benchCommand,
  weightsCommand,
  dataCommand,
  inspectCommand,
];
