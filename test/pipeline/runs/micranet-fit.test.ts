/**
 * `fit --method micranet` on a generated Kvasir-like folder with a tiny input side: the model folder it
 * writes, the split it shares with the ExplainSeg head, resuming (a finished fit is skipped, a larger epoch
 * count continues the training from its checkpoint), and `segment --model` with the folder.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { InputFileError } from '../../../src/core/index.js';
import { loadDataset, splitDataset } from '../../../src/data/index.js';
import {
  readModelFolderKind, resolveMicraNetFitConfig, runMicraNetFit, runMicraNetSegmentFolder, splitImagePaths, type FitStageEvent,
} from '../../../src/pipeline/runs/index.js';
import { subsampleDataset } from '../../../src/pipeline/training/index.js';
import { makeTempDir } from '../../data/synthetic.js';
import { writeDiscDataset } from './demo-fixture.js';

let dataRoot: string;

const config = (epochs: number) => resolveMicraNetFitConfig({ dataset: 'kvasir-seg', dataRoot, fast: true, inputSize: 16, batchSize: 8, epochs, evalImages: 2 });
const statuses = (events: FitStageEvent[]) => Object.fromEntries(events.filter((e) => e.status !== 'started').map((e) => [e.stage, e.status]));

beforeAll(async () => {
  dataRoot = await writeDiscDataset(12);
}, 60_000);

describe('runMicraNetFit', () => {
  it('writes a micranet model folder on the head split, resumes, extends and segments', async () => {
    const out = join(await makeTempDir('micranet-fit-'), 'model');
    const first = await runMicraNetFit(config(2), { out });
    expect(await readModelFolderKind(out)).toBe('micranet');
    expect(first.info.classNames).toEqual(['polyp']);
    expect(first.info.training!.history).toHaveLength(2);
    for (const name of ['model.json', 'micranet.safetensors', 'split.json', 'metrics.json', 'run.json']) expect(existsSync(join(out, name))).toBe(true);
    expect(first.metrics.images).toBe(2);

    // The split is the one the head of `fit --fast` trains on: same seeded subset, same parts.
    const dataset = subsampleDataset(await loadDataset('kvasir-seg', dataRoot, { seed: 0 }), 600, 0);
    expect(JSON.parse(readFileSync(join(out, 'split.json'), 'utf8'))).toEqual(splitImagePaths(splitDataset(dataset.items, { seed: 0 })));

    const again: FitStageEvent[] = [];
    await runMicraNetFit(config(2), { out, onStage: (event) => again.push(event) });
    expect(statuses(again)).toEqual({ split: 'skipped', train: 'skipped', evaluate: 'skipped' });

    const extended = await runMicraNetFit(config(3), { out });
    expect(extended.info.training!.history.map((h) => h.epoch)).toEqual([0, 1, 2]);
    expect(extended.info.training!.history.slice(0, 2)).toEqual(first.info.training!.history);

    const images = [join(dataRoot, 'images', 'case-00.png'), join(dataRoot, 'images', 'case-01.png')];
    const segmented = join(await makeTempDir('micranet-segment-'), 'seg');
    const summary = await runMicraNetSegmentFolder(images, { modelDir: out, outDir: segmented, command: 'test' });
    expect(summary.done.map((d) => d.id)).toEqual(['case-00', 'case-01']);
    expect(summary.done[0]!.predictedClass).toBe('polyp');
    for (const name of ['mask.png', 'map.png', 'overlay.png', 'heatmap.png', 'result.json']) expect(existsSync(join(segmented, 'case-00', name))).toBe(true);
    const rerun = await runMicraNetSegmentFolder(images, { modelDir: out, outDir: segmented, command: 'test' });
    expect(rerun.skipped).toBe(2);
  }, 120_000);

  it('refuses a folder that is not a model folder, naming model.json', async () => {
    const empty = await makeTempDir('micranet-not-model-');
    await expect(readModelFolderKind(empty)).rejects.toBeInstanceOf(InputFileError);
    await expect(readModelFolderKind(empty)).rejects.toThrow(/model\.json.*not a model folder/);
  });

  it('checks its settings before any work', () => {
    expect(() => resolveMicraNetFitConfig({ dataset: 'ph2', dataRoot: '/nowhere', inputSize: 100 })).toThrow(/a multiple of 8 for the MICRA-Net input size \(--input-size\) but received 100/);
    expect(() => resolveMicraNetFitConfig({ dataset: 'x-ray', dataRoot: '/nowhere' })).toThrow(/the dataset kind/);
    expect(() => resolveMicraNetFitConfig({ dataset: 'ph2', dataRoot: '/nowhere', epochs: 0 })).toThrow(/--epochs/);
  });
});
