/**
 * runDemo on a generated Kvasir-like folder with a tiny random ViT: the head is trained once and reused,
 * only images the head never trained on are scored, the scores are those of the written masks, and the
 * report links every picture it shows.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { InvalidArgumentError, WeightsError } from '../../../src/core/index.js';
import { readMask } from '../../../src/data/index.js';
import { dice, iou } from '../../../src/metrics/index.js';
import type { ScoredImage } from '../../../src/pipeline/evaluation/scored-subset.js';
import {
  findCachedHead, guessDatasetKind, pickUntrainedImages, resolveDemoWeights, runDemo, type DemoPhaseEvent, type DemoResult,
} from '../../../src/pipeline/runs/demo-run.js';
import { writeHtmlReport } from '../../../src/viewer/index.js';
import { makeTempDir } from '../../data/synthetic.js';
import { DEMO_SIDE, tinyDemoConfig, writeDiscDataset } from './demo-fixture.js';
import { writeTinyVitSafetensors } from '../../helpers/tiny-vit-weights.js';

let dataRoot: string;
let weightsPath: string;
let outDir: string;
let first: DemoResult;
let second: DemoResult;
const phases: DemoPhaseEvent[] = [];

const demo = (extra: { onPhase?: (event: DemoPhaseEvent) => void } = {}): Promise<DemoResult> => runDemo({
  dataset: 'kvasir-seg', dataRoot, weightsPath, outDir, config: tinyDemoConfig(), variant: 'xncut', method: 'paper', limit: 3, postprocessWorkers: 0, writeHtml: writeHtmlReport, ...extra,
});

beforeAll(async () => {
  dataRoot = await writeDiscDataset(12);
  weightsPath = await writeTinyVitSafetensors(join(await makeTempDir('demo-weights-'), 'tiny.safetensors'));
  outDir = join(await makeTempDir('demo-out-'), 'demo');
  first = await demo({ onPhase: (event) => phases.push(event) });
  second = await demo();
}, 120_000);

describe('runDemo on 12 generated disc images (tiny ViT, 16-pixel input)', () => {
  it('announces the phases in order, and records each in the timings', () => {
    const order = ['weights', 'head', 'select', 'segment', 'evaluate', 'report'];
    expect(phases.map((event) => event.phase)).toEqual(order);
    expect(phases[1]!.message).toMatch(/^head: training on kvasir-seg/);
    for (const phase of [...order, 'total']) expect(first.timingsMs[phase]).toBeGreaterThanOrEqual(0);
  });

  it('scores 3 images, none of which the head trained on', () => {
    const trained = new Set((JSON.parse(readFileSync(join(outDir, 'head', 'split.json'), 'utf8')) as { train: string[] }).train);
    expect(trained.size).toBeGreaterThan(0);
    expect(first.images).toHaveLength(3);
    for (const image of first.images) {
      expect(trained.has(image.imagePath)).toBe(false);
      expect(image.part).toBe('held-out');
    }
    expect(first.segmentation.done).toHaveLength(3);
  });

  it('reports the IoU and Dice of the written mask against the ground truth', async () => {
    const summary = JSON.parse(readFileSync(join(outDir, 'report', 'summary.json'), 'utf8'));
    expect(summary.images).toHaveLength(3);
    const ious: number[] = [];
    for (const image of summary.images) {
      const pred = await readMask(join(outDir, 'report', 'images', image.id, 'mask.png'));
      const truth = await readMask(join(dataRoot, 'masks', `${image.id}.png`));
      expect([pred.rows, pred.cols]).toEqual([DEMO_SIDE, DEMO_SIDE]);
      expect(image.iou).toBeCloseTo(iou(pred, truth), 12);
      expect(image.dice).toBeCloseTo(dice(pred, truth), 12);
      ious.push(image.iou);
    }
    expect(summary.evaluation.meanIou).toBeCloseTo(ious.reduce((a, b) => a + b, 0) / 3, 12);
    // The ground-truth copy in the report is the dataset's mask.
    const copy = await readMask(join(outDir, 'report', 'images', summary.images[0].id, 'truth.png'));
    expect(copy.data).toEqual((await readMask(join(dataRoot, 'masks', `${summary.images[0].id}.png`))).data);
  });

  it('writes index.html linking the four pictures of every image, summary.md and run.json', () => {
    expect(first.indexHtml).toBe(join(outDir, 'report', 'index.html'));
    const html = readFileSync(first.indexHtml!, 'utf8');
    for (const image of first.images) {
      for (const file of ['overlay.png', 'heatmap.png', 'mask.png', 'truth.png']) expect(html).toContain(`images/${image.id}/${file}`);
    }
    // The page's data is kept too, so the page can be rebuilt: the mean IoU row is the evaluation's.
    const page = JSON.parse(readFileSync(join(outDir, 'report', 'report.json'), 'utf8'));
    expect(page.methods[0]).toMatchObject({ name: 'xncut', n: 3, meanIoU: first.evaluation.summary.meanIou });
    expect(readFileSync(join(outDir, 'report', 'summary.md'), 'utf8')).toMatch(/# ExplainSeg demo: kvasir-seg[\s\S]*\| image \| part \|/);
    const run = JSON.parse(readFileSync(join(outDir, 'run.json'), 'utf8'));
    expect(run).toMatchObject({ seed: 0, config: { dataset: 'kvasir-seg', variant: 'xncut', limit: 3, pipeline: { inputSize: 16 } } });
    expect(Object.keys(run.weights)).toEqual(['backbone', 'head']);
  });

  it('a second run reuses the head and the finished images, with the same scores', () => {
    expect(first.headReused).toBe(false);
    expect(second.headReused).toBe(true);
    expect(second.segmentation.skipped).toBe(3);
    expect(second.images.map((image) => image.id)).toEqual(first.images.map((image) => image.id));
    expect(second.evaluation.summary.meanDice).toBe(first.evaluation.summary.meanDice);
  });

  it('does not reuse a head trained with another seed, input size, item count or weights', async () => {
    const identity = { weightsSha256: '', dataset: 'kvasir-seg' as const, dataRoot, seed: 0, inputSize: 16, trainItems: null };
    const run = JSON.parse(readFileSync(join(outDir, 'head', 'run.json'), 'utf8'));
    const sha = String(run.weights.backbone).slice('sha256:'.length);
    const headDir = join(outDir, 'head');
    expect(await findCachedHead(headDir, { ...identity, weightsSha256: sha })).toBe(join(headDir, 'head.json'));
    for (const change of [{ seed: 1 }, { inputSize: 32 }, { trainItems: 50 }, { weightsSha256: '0'.repeat(64) }, { dataset: 'ph2' as const }]) {
      expect(await findCachedHead(headDir, { ...identity, weightsSha256: sha, ...change })).toBeUndefined();
    }
    expect(await findCachedHead(join(outDir, 'nothing-here'), { ...identity, weightsSha256: sha })).toBeUndefined();
  });

  it('rejects a limit below 1 before doing any work', async () => {
    const started = statSync(join(outDir, 'run.json')).mtimeMs;
    await expect(runDemo({ dataset: 'kvasir-seg', dataRoot, weightsPath, outDir, config: tinyDemoConfig(), variant: 'xncut', limit: 0 }))
      .rejects.toThrow(InvalidArgumentError);
    expect(statSync(join(outDir, 'run.json')).mtimeMs).toBe(started);
  });
});

describe('pickUntrainedImages', () => {
  const image = (id: string, part: ScoredImage['part']): ScoredImage => ({ id, imagePath: `/d/${id}.png`, maskPath: `/m/${id}.png`, part });
  const candidates = [image('a', 'held-out'), image('b', 'held-out'), image('c', 'train'), image('d', 'train'), image('e', 'train')];

  it.each([
    // [limit, trained ids, expected chosen ids (sorted), expected parts]
    [2, ['c', 'd', 'e'], ['a', 'b'], ['held-out', 'held-out']],
    [3, ['c', 'd'], ['a', 'b', 'e'], ['held-out', 'held-out', 'held-out']],
    [4, ['b', 'c', 'd', 'e'], null, ['held-out', 'train', 'train', 'train']],
    [9, [], ['a', 'b', 'c', 'd', 'e'], null],
  ] as const)('limit %i with trained %j', (limit, trainedIds, expectedIds, expectedPartsByCount) => {
    const trained = new Set(trainedIds.map((id) => `/d/${id}.png`));
    const chosen = pickUntrainedImages(candidates, trained, { limit, seed: 3 });
    expect(chosen).toHaveLength(Math.min(limit, candidates.length));
    if (expectedIds) expect(chosen.map((c) => c.id)).toEqual(expectedIds);
    if (expectedPartsByCount) expect(chosen.map((c) => c.part).sort()).toEqual([...expectedPartsByCount].sort());
    for (const c of chosen) expect(c.part === 'train').toBe(trained.has(c.imagePath));
  });

  it('is seeded: the same seed picks the same images, and images are sorted by id', () => {
    const many = Array.from({ length: 30 }, (_, i) => image(`x${String(i).padStart(2, '0')}`, 'held-out'));
    const pick = (seed: number): string[] => pickUntrainedImages(many, new Set(), { limit: 5, seed }).map((c) => c.id);
    expect(pick(7)).toEqual(pick(7));
    expect(pick(7)).toEqual([...pick(7)].sort());
    expect(pick(7)).not.toEqual(pick(8));
  });
});

describe('guessDatasetKind and resolveDemoWeights', () => {
  it.each([
    ['../shared/data/kvasir-seg', 'kvasir-seg'], ['/x/Kvasir-SEG', 'kvasir-seg'], ['/x/bus_bra', 'bus-bra'], ['/x/ph2', 'ph2'],
    ['/x/monuseg-2018', 'monuseg'], ['/x/busbra', 'bus-bra'], ['/x/my-images', undefined], ['/x/generic', undefined],
  ])('%s -> %s', (path, kind) => {
    expect(guessDatasetKind(path)).toBe(kind);
  });

  it('names the stand-in weights when no weights are found', async () => {
    const cache = await makeTempDir('demo-empty-cache-');
    const attempt = resolveDemoWeights({ cache });
    await expect(attempt).rejects.toBeInstanceOf(WeightsError);
    await expect(attempt).rejects.toThrow(/pass --weights FILE[\s\S]*--weights \.\.\/shared\/weights\/vit-s16-ssl\/vit-s16-ssl\.safetensors \(a stand-in/);
  });
});
