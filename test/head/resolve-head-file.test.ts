import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputFileError } from '../../src/core/index.js';
import { resolveHeadFile } from '../../src/head/index.js';

describe('resolveHeadFile (hardening item 4: --head takes the train --out folder too)', () => {
  it('returns a file as it is and a train folder as its head.json', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'head-folder-'));
    await writeFile(join(dir, 'head.json'), '{}');
    expect(await resolveHeadFile(join(dir, 'head.json'))).toBe(join(dir, 'head.json'));
    expect(await resolveHeadFile(dir)).toBe(join(dir, 'head.json'));
  });

  it('names the problem for a folder without head.json and for a missing path', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'head-empty-'));
    await mkdir(join(dir, 'empty'));
    await expect(resolveHeadFile(join(dir, 'empty'))).rejects.toThrow(InputFileError);
    await expect(resolveHeadFile(join(dir, 'empty'))).rejects.toThrow('is a folder without head.json');
    await expect(resolveHeadFile(join(dir, 'nope'))).rejects.toThrow(/missing \(no such file\)/);
  });
});
