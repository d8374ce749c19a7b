import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { correctionStages } from '../../src/cli/correction-stages.js';
import { InvalidArgumentError, type Mask } from '../../src/core/index.js';
import { readMask } from '../../src/data/index.js';
import { dice } from '../../src/metrics/index.js';
import { correctMask, loadCorrectionInputs, writeCorrection, type CorrectionStages, type LoadedCorrection } from '../../src/viewer/index.js';
import { makeSyntheticRun, type SyntheticRun } from '../helpers/synthetic-run.js';

const at = (mask: Mask, row: number, col: number): number => mask.data[row * mask.cols + col]!;

describe('correctMask (random walker + DenseCRF from the run\'s map.png)', () => {
  let run: SyntheticRun;
  let loaded: LoadedCorrection;
  let truth: Mask;
  const stages = correctionStages();

  beforeAll(async () => {
    // The run's mask is the true disc shifted 14 px right: cols 32..60 predicted, cols 18..46 true.
    run = await makeSyntheticRun({ images: [{ id: 'b', shift: 14 }] });
    loaded = await loadCorrectionInputs({
      imagePath: join(run.imagesDir, 'b.png'), mapPath: join(run.runDir, 'b', 'map.png'), maskPath: join(run.runDir, 'b', 'mask.png'),
      crf: { enabled: true, iterations: 5 },
    });
    truth = await readMask(join(run.gtDir, 'b.png'));
  });

  afterAll(async () => {
    await rm(run.root, { recursive: true, force: true });
  });

  it('gives the run\'s own mask back without clicks (reset)', () => {
    const result = correctMask(loaded, [], stages);
    expect(Array.from(result.mask.data)).toEqual(Array.from(loaded.mask.data));
  });

  it('adds the missed part of the lesion for a positive click and removes the false part for a negative one', () => {
    expect([at(loaded.mask, 32, 22), at(loaded.mask, 32, 56)]).toEqual([0, 1]);
    const result = correctMask(loaded, [{ row: 32, col: 22, label: 1 }, { row: 32, col: 56, label: 0 }], stages);
    expect([at(result.mask, 32, 22), at(result.mask, 32, 20), at(result.mask, 32, 56), at(result.mask, 32, 58)]).toEqual([1, 1, 0, 0]);
    expect(dice(result.mask, truth)).toBeGreaterThan(dice(loaded.mask, truth) + 0.2);
    expect(result.mask.rows * result.mask.cols).toBe(64 * 64);
  });

  it('is deterministic and keeps every click at its label whatever the cut does', () => {
    const clicks = [{ row: 5, col: 5, label: 1 as const }, { row: 32, col: 40, label: 0 as const }];
    const first = correctMask(loaded, clicks, stages);
    expect([at(first.mask, 5, 5), at(first.mask, 32, 40)]).toEqual([1, 0]);
    expect(Array.from(correctMask(loaded, clicks, stages).mask.data)).toEqual(Array.from(first.mask.data));
  });

  it('skips the injected CRF when the run had it off, and refuses bad clicks and settings', () => {
    let refined = 0;
    const counting: CorrectionStages = { walk: stages.walk, refine: (...args) => { refined++; return stages.refine!(...args); } };
    correctMask({ ...loaded, crf: { enabled: false } }, [{ row: 32, col: 22, label: 1 }], counting);
    correctMask(loaded, [{ row: 32, col: 22, label: 1 }], counting);
    expect(refined).toBe(1);
    expect(() => correctMask(loaded, [{ row: 64, col: 0, label: 1 }], stages)).toThrow(/expected an integer in \[0, 63\] for the row of click 1 but received 64/);
    expect(() => correctMask(loaded, [{ row: 1, col: 1, label: 2 as 1 }], stages)).toThrow(InvalidArgumentError);
    expect(() => correctMask(loaded, [{ row: 1, col: 1, label: 1 }], stages, { walkSide: 4 })).toThrow(/walk side/);
  });

  it('works at a smaller walk size than the image (the cut is resized back)', () => {
    const result = correctMask(loaded, [{ row: 32, col: 22, label: 1 }], stages, { walkSide: 32, refineSide: 48 });
    expect([result.mask.rows, result.mask.cols, at(result.mask, 32, 22)]).toEqual([64, 64, 1]);
  });

  it('writes an accepted correction atomically to corrected/ID.png and ID.json, leaving the run mask alone', async () => {
    const before = await readFile(join(run.runDir, 'b', 'mask.png'));
    const result = correctMask(loaded, [{ row: 32, col: 22, label: 1 }], stages);
    const paths = await writeCorrection(run.runDir, 'b', result);
    expect(paths).toEqual({ mask: join(run.runDir, 'corrected', 'b.png'), log: join(run.runDir, 'corrected', 'b.json') });
    expect(await readdir(join(run.runDir, 'corrected'))).toEqual(['b.json', 'b.png']);
    expect(Array.from((await readMask(paths.mask)).data)).toEqual(Array.from(result.mask.data));
    const log = JSON.parse(await readFile(paths.log, 'utf8')) as { clicks: unknown; baseMask: string; settings: { walkSide: number } };
    expect([log.clicks, log.baseMask, log.settings.walkSide]).toEqual([[{ row: 32, col: 22, label: 1 }], 'b/mask.png', 160]);
    expect((await readFile(join(run.runDir, 'b', 'mask.png'))).equals(before)).toBe(true);
    await expect(writeCorrection(run.runDir, '../escape', result)).rejects.toThrow(/expected an image id/);
  });
});
