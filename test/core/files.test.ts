import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputFileError, sha256Bytes, sha256File, writeFileAtomic } from '../../src/core/index.js';

describe('writeFileAtomic', () => {
  it('writes the content and leaves no temporary file behind', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'explainseg-'));
    await writeFileAtomic(join(dir, 'sub', 'a.txt'), 'hello');
    expect(await readFile(join(dir, 'sub', 'a.txt'), 'utf8')).toBe('hello');
    expect(await readdir(join(dir, 'sub'))).toEqual(['a.txt']);
    expect(await sha256File(join(dir, 'sub', 'a.txt'))).toBe(sha256Bytes('hello'));
    expect(sha256Bytes('hello')).toBe('2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824');
  });
});

describe('sha256File', () => {
  it.each([
    ['missing', 'nothing.png', 'missing (no such file)'],
    ['a folder', '.', 'is a folder, not a file'],
  ])('names the file when it is %s, instead of a raw ENOENT or EISDIR', async (_, name, problem) => {
    const path = join(await mkdtemp(join(tmpdir(), 'explainseg-')), name);
    const error = await sha256File(path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputFileError);
    expect((error as InputFileError).file).toBe(path);
    expect((error as Error).message).toBe(`${path}: ${problem}`);
  });
});
