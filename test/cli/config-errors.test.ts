/**
 * Hardening item 3: bad settings stop a command before any model, head or image is read, with one message
 * per bad key. The weights, head and images named here do not exist: reaching them would be a different error.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/run-cli.js';
import { makeTempDir } from '../data/synthetic.js';
import { fakeIo } from '../helpers/fake-io.js';

const base = ['segment', 'no-such-image.png', '--head', 'no-such-head.json', '--weights', 'no-such-weights.safetensors'];

async function segmentWith(extra: string[]): Promise<{ status: number; err: string }> {
  const io = fakeIo();
  const out = join(await makeTempDir('config-errors-'), 'out');
  const status = await runCli([...base, '--out', out, ...extra], io);
  return { status, err: io.err() };
}

describe('segment refuses bad settings before loading anything (exit 2)', () => {
  it.each([
    [['--explain-n-steps', '0'], 'explain.nSteps: expected an integer in [1, 10000] but received 0'],
    [['--explain-n-steps', '1.5'], 'explain.nSteps: expected an integer in [1, 10000] but received 1.5'],
    [['--explain-n-steps', '-1'], 'explain.nSteps: expected an integer in [1, 10000] but received -1'],
    [['--view', 'nope'], "view: expected one of resize, tiles but received 'nope'"],
    [['--crf-iterations=-5'], 'crf.iterations: expected an integer in [0, 1000] but received -5'],
    [['--tile-fraction', '5'], 'tileFraction: expected a number in (0, 1] but received 5'],
  ])('%j', async (flags, message) => {
    const { status, err } = await segmentWith(flags);
    expect(err).toContain(message);
    expect(err).not.toMatch(/no-such-(weights|head|image)/);
    expect(status).toBe(2);
  });

  it.each([['[1,2]'], ['null'], ['{"crf": null}']])('a --config file holding %s', async (text) => {
    const file = join(await makeTempDir('config-file-'), 'config.json');
    await writeFile(file, text);
    const { status, err } = await segmentWith(['--config', file]);
    expect(err).toMatch(/expected an object with keys .* for config(\.crf)? but received/);
    expect(err).not.toMatch(/Cannot read properties|unexpected error/);
    expect(status).toBe(2);
  });
});
