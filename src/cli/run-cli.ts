import { parseArgs } from 'node:util';
import { ExplainSegError, type ErrorCode } from '../core/errors.js';
import type { CliIo, Command } from './command.js';
import { commands } from './registry.js';

/** Exit statuses: 0 ok, 1 failure while working, 2 usage error, 3 bad input file or data, 4 weights/model problem. */
const exitCodeByError: Record<ErrorCode, number> = {
  E_INVALID_ARGUMENT: 2,
  E_INPUT_FILE: 3,
  E_SIZE_MISMATCH: 3,
  E_DATASET: 3,
  E_WEIGHTS: 4,
  E_MODEL_MISMATCH: 4,
  E_CHECKSUM: 4,
  E_DOWNLOAD: 1,
  E_RUNTIME: 1,
  E_RUN_FOLDER: 2,
};

export function findCommand(name: string): Command | undefined {
  return commands.find((command) => command.name === name);
}

export function helpText(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  const lines = commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return `explainseg: segmentation from classification, explained (Integrated Gradients on a ViT, NCut, DenseCRF)

Usage: explainseg COMMAND [options]

Commands:
${lines.join('\n')}

Run 'explainseg help COMMAND' for a command's options.
`;
}

/** Parse, run, and map every error to a message and an exit status. Never throws. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h') {
    io.stdout.write(helpText());
    return name ? 0 : 2;
  }
  if (name === '--version') {
    const { toolVersion } = await import('../core/io/run-manifest.js');
    io.stdout.write(`${await toolVersion()}\n`);
    return 0;
  }
  if (name === 'help') return printCommandHelp(rest[0], io);
  const command = findCommand(name);
  if (!command) {
    io.stderr.write(`explainseg: unknown command '${name}'\n\n${helpText()}`);
    return 2;
  }
  let parsed;
  try {
    const args = joinNegativeNumbers(rest, command.options);
    parsed = parseArgs({ args, options: { help: { type: 'boolean', short: 'h' }, ...command.options }, allowPositionals: true, strict: true });
  } catch (error) {
    io.stderr.write(`explainseg ${name}: ${(error as Error).message}\n\n${command.usage}\n`);
    return 2;
  }
  if (parsed.values.help) {
    io.stdout.write(`${command.usage}\n`);
    return 0;
  }
  try {
    return await command.run({ values: parsed.values, positionals: parsed.positionals, argv: rest }, io);
  } catch (error) {
    return reportError(name, error, io);
  }
}

/**
 * `--flag -1` for a string option becomes `--flag=-1`: node's parseArgs takes a value that starts with '-'
 * for another option ("argument is ambiguous"), so a negative number would never reach the validation
 * that says what is allowed.
 */
export function joinNegativeNumbers(args: readonly string[], options: Command['options']): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const name = args[i]!.startsWith('--') ? args[i]!.slice(2) : undefined;
    const next = args[i + 1];
    if (name && options[name]?.type === 'string' && next !== undefined && /^-\d|^-\.\d/.test(next)) {
      out.push(`${args[i]}=${next}`);
      i++;
    } else out.push(args[i]!);
  }
  return out;
}

function printCommandHelp(name: string | undefined, io: CliIo): number {
  const command = name ? findCommand(name) : undefined;
  if (!command) {
    io.stdout.write(helpText());
    return name ? 2 : 0;
  }
  io.stdout.write(`${command.usage}\n`);
  return 0;
}

function reportError(name: string, error: unknown, io: CliIo): number {
  if (error instanceof ExplainSegError) {
    io.stderr.write(`explainseg ${name}: ${error.message}\n`);
    if (io.env.EXPLAINSEG_DEBUG && error.stack) io.stderr.write(`${error.stack}\n`);
    return exitCodeByError[error.code];
  }
  const detail = error instanceof Error ? (io.env.EXPLAINSEG_DEBUG ? error.stack ?? error.message : error.message) : String(error);
  io.stderr.write(`explainseg ${name}: unexpected error: ${detail}\n`);
  return 1;
}
