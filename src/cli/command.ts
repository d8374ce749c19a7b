import type { ParseArgsConfig } from 'node:util';

export type OptionSpecs = NonNullable<ParseArgsConfig['options']>;

/** What a command sees of the outside world: output streams, the environment, and a progress sink. */
export interface CliIo {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
  readonly env: NodeJS.ProcessEnv;
  /** Whether stderr is a terminal (draw an updating progress bar) or not (print occasional lines). */
  readonly interactive: boolean;
}

export interface ParsedArgs {
  readonly values: Record<string, string | boolean | string[] | boolean[] | undefined>;
  readonly positionals: string[];
  /** The arguments after the command name as typed, for run.json (tests may leave it out). */
  readonly argv?: readonly string[];
}

/** `explainseg NAME ARGS...` as the user typed it, for the run.json of a run folder. */
export function commandLine(name: string, args: ParsedArgs): string {
  return ['explainseg', name, ...(args.argv ?? [])].join(' ');
}

/**
 * One CLI command: a thin layer over the library. It parses nothing itself (main does, from `options`),
 * returns an exit status, and lets errors propagate: main maps ExplainSegError codes to messages.
 */
export interface Command {
  readonly name: string;
  readonly summary: string;
  /** Usage text shown by `explainseg help NAME` and on a usage error. */
  readonly usage: string;
  readonly options: OptionSpecs;
  /** Sub-commands take the first positional as their verb (e.g. `bench engine`). */
  run(args: ParsedArgs, io: CliIo): Promise<number>;
}
