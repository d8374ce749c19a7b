import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../src/core/index.js';
import { correctedMaskFile, correctedMaskPath, ensureImageId, listRunMasks, maskPathForImage } from '../../src/data/index.js';

describe('run mask paths (corrected masks beside the run\'s own)', () => {
  it('finds RUN/corrected/ID.png only when it exists, and prefers it when asked', async () => {
    const run = await mkdtemp(join(tmpdir(), 'explainseg-masks-'));
    try {
      expect(await correctedMaskPath(run, 'a')).toBeUndefined();
      expect(await maskPathForImage(run, 'a', { preferCorrected: true })).toEqual({ path: join(run, 'a', 'mask.png'), corrected: false });
      await mkdir(join(run, 'corrected'));
      await writeFile(join(run, 'corrected', 'a.png'), 'png');
      expect(await correctedMaskPath(run, 'a')).toBe(join(run, 'corrected', 'a.png'));
      expect(await maskPathForImage(run, 'a')).toEqual({ path: join(run, 'corrected', 'a.png'), corrected: true });
      expect(await maskPathForImage(run, 'a', { preferCorrected: false })).toEqual({ path: join(run, 'a', 'mask.png'), corrected: false });
    } finally {
      await rm(run, { recursive: true, force: true });
    }
  });

  it('lists a run\'s images with the mask to use, corrections first unless told otherwise', async () => {
    const run = await mkdtemp(join(tmpdir(), 'explainseg-masks-'));
    try {
      for (const id of ['b', 'a', 'unfinished']) await mkdir(join(run, id));
      await writeFile(join(run, 'a', 'mask.png'), 'png');
      await writeFile(join(run, 'b', 'mask.png'), 'png');
      await mkdir(join(run, 'corrected'));
      await writeFile(join(run, 'corrected', 'b.png'), 'png');
      expect(await listRunMasks(run)).toEqual([
        { id: 'a', path: join(run, 'a', 'mask.png'), corrected: false },
        { id: 'b', path: join(run, 'corrected', 'b.png'), corrected: true },
      ]);
      expect((await listRunMasks(run, { preferCorrected: false })).map((m) => m.corrected)).toEqual([false, false]);
    } finally {
      await rm(run, { recursive: true, force: true });
    }
  });

  it('refuses ids that would leave the folder', () => {
    for (const id of ['', '.', '..', 'a/b', '..\\x', 'a\0b']) expect(() => ensureImageId(id)).toThrow(InvalidArgumentError);
    expect(correctedMaskFile('/run', 'img 1')).toBe('/run/corrected/img 1.png');
  });
});
