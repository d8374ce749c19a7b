import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../src/core/index.js';
import type { Command, ParsedArgs } from '../../src/cli/command.js';
import { compareCommand } from '../../src/cli/commands/compare.js';
import { demoCommand } from '../../src/cli/commands/demo.js';
import { evaluateCommand } from '../../src/cli/commands/evaluate.js';
import { explainCommand } from '../../src/cli/commands/explain.js';
import { segmentCommand } from '../../src/cli/commands/segment.js';
import { trainCommand } from '../../src/cli/commands/train.js';
import { ensureOutputDir } from '../../src/cli/output-dir.js';
import { makeTempDir } from '../data/synthetic.js';
import { fakeIo } from '../helpers/fake-io.js';

let dir: string;
let file: string;
beforeAll(async () => {
  dir = await makeTempDir('output-dir-');
  file = join(dir, 'results.csv');
  await writeFile(file, 'a,b\n');
  await mkdir(join(dir, 'existing'));
});

describe('ensureOutputDir', () => {
  it('accepts an existing folder and a new path under one, returning it absolute and creating nothing', async () => {
    expect(await ensureOutputDir(join(dir, 'existing'), '--out')).toBe(join(dir, 'existing'));
    expect(await ensureOutputDir(join(dir, 'new', 'deeper'), '--out')).toBe(join(dir, 'new', 'deeper'));
  });

  it.each([
    ['an existing file', () => file, (): string => `received '${file}', an existing file`],
    ['a path under a file', () => join(file, 'run'), (): string => `received '${join(file, 'run')}', a path under the file ${file}`],
  ])('refuses %s, naming the flag and the path', async (_, path, tail) => {
    const attempt = ensureOutputDir(path(), '--out');
    await expect(attempt).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(attempt).rejects.toThrow(`expected a folder (or a path that does not exist yet) for --out but ${tail()}`);
  });
});

/**
 * Every input the commands would load next is missing (weights, head, data, masks): a refusal of --out that
 * names --out, rather than a missing-file error, shows that the check runs before any model or data is loaded.
 */
describe('commands that take --out refuse an existing file before loading anything', () => {
  const missing = (name: string): string => join(dir, 'absent', name);
  const cases: Array<[string, Command, () => ParsedArgs]> = [
    ['segment', segmentCommand, () => ({ positionals: [missing('a.png')], values: { head: missing('head.json'), weights: missing('w.pth'), out: file } })],
    ['explain', explainCommand, () => ({ positionals: [missing('a.png')], values: { head: missing('head.json'), weights: missing('w.pth'), out: file } })],
    ['train', trainCommand, () => ({ positionals: [], values: { dataset: 'generic', data: missing('data'), weights: missing('w.pth'), out: file } })],
    ['demo', demoCommand, () => ({ positionals: [], values: { data: missing('data'), weights: missing('w.pth'), out: file } })],
    ['evaluate', evaluateCommand, () => ({ positionals: [], values: { pred: missing('pred'), gt: missing('gt'), out: file } })],
  ];

  it.each(cases)('%s', async (_, command, args) => {
    const attempt = command.run(args(), fakeIo({ EXPLAINSEG_CACHE: missing('cache') }));
    await expect(attempt).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(attempt).rejects.toThrow(`for --out but received '${file}', an existing file`);
  });

  it('compare, whose output folder is the config file\'s "out"', async () => {
    const config = join(dir, 'compare.json');
    await writeFile(config, JSON.stringify({
      weights: missing('w.pth'), out: file, datasets: [{ kind: 'generic', data: missing('data'), head: missing('head.json') }],
    }));
    const attempt = compareCommand.run({ positionals: [], values: { config } }, fakeIo());
    await expect(attempt).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(attempt).rejects.toThrow(`for out in the compare config but received '${file}', an existing file`);
  });
});
