import { Writable } from 'node:stream';
import type { CliIo } from '../../src/cli/command.js';

/** A CliIo whose stdout and stderr are captured as text, for asserting on what a command printed. */
export interface FakeIo extends CliIo {
  /** Everything written to stdout so far. */
  out(): string;
  /** Everything written to stderr so far. */
  err(): string;
}

function textSink(): Writable & { text: string } {
  const stream = new Writable({
    write(chunk, _encoding, done) {
      stream.text += String(chunk);
      done();
    },
  }) as Writable & { text: string };
  stream.text = '';
  return stream;
}

/** A non-interactive CliIo (progress as plain lines) with the given environment. */
export function fakeIo(env: NodeJS.ProcessEnv = {}): FakeIo {
  const stdout = textSink();
  const stderr = textSink();
  return { stdout, stderr, env, interactive: false, out: () => stdout.text, err: () => stderr.text };
}
