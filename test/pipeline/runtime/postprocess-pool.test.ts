import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ChecksumError, createRng, createScalarMap, InputFileError, InvalidArgumentError, SizeMismatchError, WeightsError,
  type ImageTensor, type ScalarMap,
} from '../../../src/core/index.js';
import type { VitModel } from '../../../src/backbone/vit-model.js';
import type { HeadModel } from '../../../src/head/index.js';
import type { PipelineConfig } from '../../../src/pipeline/config/types.js';
import type { ImageExplanation } from '../../../src/pipeline/method/explain-image.js';
import { deserialiseError, serialiseError } from '../../../src/core/index.js';
import { transferListOf, type PostprocessJob } from '../../../src/pipeline/runtime/postprocess-job.js';
import { createPostprocessPool } from '../../../src/pipeline/runtime/postprocess-pool.js';
import { segmentFromExplanation } from '../../../src/pipeline/method/segment-image.js';
import { runSegmentation } from '../../../src/pipeline/runs/segment-run.js';
import { blobImage, explainConfig, tinyClassifier, writePng } from '../../helpers/explain-fixture.js';

const GRID = { rows: 16, cols: 16 };
const MORPHOLOGY: PipelineConfig = explainConfig({ nSteps: 4, ntSamples: 2 }, { mask: { method: 'morphology' }, crf: { maxSide: 32 } });
const PIXEL_NCUT: PipelineConfig = explainConfig({ nSteps: 4, ntSamples: 2 }, { mask: { method: 'ncut' }, crf: { enabled: false } });
const PATCH_NCUT: PipelineConfig = explainConfig({ nSteps: 4, ntSamples: 2 }, { mask: { method: 'ncut', ncut: { graph: 'patch' } } });

/** A relevance-like map: the blob's red channel plus seeded noise, so cut and CRF have something to do. */
function mapFor(image: ImageTensor, seed: number): ScalarMap {
  const rng = createRng(seed);
  const plane = image.rows * image.cols;
  return createScalarMap(image.rows, image.cols, Float32Array.from({ length: plane }, (_, i) => Math.min(1, image.data[i]! * 0.8 + 0.2 * rng.next())));
}

function jobFor(config: PipelineConfig, seed: number): PostprocessJob {
  const image = blobImage(24, 20, seed);
  const rng = createRng(seed + 100);
  const keys = { data: Float32Array.from({ length: 16 * 8 }, () => rng.normal()), grid: { rows: 4, cols: 4 } };
  return { image, map: mapFor(image, seed), config, grid: GRID, ...(config.mask.ncut.graph === 'patch' ? { keys } : {}) };
}

/** The morphology chain rejects a non-finite map with an InvalidArgumentError ("expected finite values ..."). */
const nanJob = (): PostprocessJob => ({ ...jobFor(MORPHOLOGY, 4), map: createScalarMap(24, 20, new Float32Array(480).fill(Number.NaN)) });

/** The error the sequential path throws for the NaN job: what the pool must hand back. */
function sequentialNanError(): Error {
  try {
    sequential(nanJob());
  } catch (error) {
    return error as Error;
  }
  throw new Error('the NaN job did not fail');
}

/** The sequential path: segmentFromExplanation on copies, so a job's arrays may move afterwards. */
function sequential(job: PostprocessJob): ReturnType<typeof segmentFromExplanation> {
  const map = { ...job.map, data: job.map.data.slice() };
  const explanation = { fused: map, relevance: { input: map, original: map } } as unknown as ImageExplanation;
  const keys = job.keys ? { ...job.keys, data: job.keys.data.slice() } : undefined;
  return segmentFromExplanation({ ...job.image, data: job.image.data.slice() }, explanation, { config: job.config, grid: job.grid, ...(keys ? { keys } : {}) });
}

describe('createPostprocessPool (in-process fallback: no compiled worker next to the TypeScript source)', () => {
  it.each([['morphology + CRF', MORPHOLOGY], ['pixel NCut + CRF', { ...PIXEL_NCUT, crf: MORPHOLOGY.crf }], ['patch NCut + CRF', PATCH_NCUT]])('gives the sequential masks for %s', async (_, config) => {
    const pool = createPostprocessPool();
    expect(pool.inProcess).toBe(true);
    const jobs = [jobFor(config, 1), jobFor(config, 2)];
    const expected = jobs.map(sequential);
    const results = await Promise.all(jobs.map((job) => pool.run(job)));
    await pool.close();
    for (const [i, result] of results.entries()) {
      expect(result.mask).toEqual(expected[i]!.mask);
      expect(result.maskBeforeCrf).toEqual(expected[i]!.maskBeforeCrf);
      expect(result.foregroundFraction).toBeCloseTo(expected[i]!.mask.data.reduce((s, v) => s + v, 0) / (24 * 20), 12);
    }
    // Two different inputs give different cuts, so the equality above is not between two constant masks.
    expect(results[0]!.maskBeforeCrf.data).not.toEqual(results[1]!.maskBeforeCrf.data);
  });

  it('writes the four PNGs, the mask as 0/255', async () => {
    const outDir = await mkdtemp(join(tmpdir(), 'pool-'));
    const pool = createPostprocessPool({ workers: 0 });
    const result = await pool.run({ ...jobFor(MORPHOLOGY, 3), output: { outDir, id: 'a' } });
    await pool.close();
    expect(result.files).toEqual({ mask: 'a/mask.png', soft: 'a/map.png', overlay: 'a/overlay.png', heatmap: 'a/heatmap.png' });
    const { data, info } = await sharp(join(outDir, 'a/mask.png')).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height]).toEqual([20, 24]);
    expect(Array.from(data, (v) => v / 255)).toEqual(Array.from(result.mask.data));
    expect(result.timingsMs.write).toBeGreaterThanOrEqual(0);
    await rm(outDir, { recursive: true });
  });

  it('rejects a bad job with its own error class and keeps serving', async () => {
    const pool = createPostprocessPool();
    const failed = pool.run(nanJob());
    const good = pool.run(jobFor(MORPHOLOGY, 5));
    const expected = sequentialNanError();
    expect([expected.constructor, expected.message]).toEqual([InvalidArgumentError, expect.stringMatching(/^expected finite values/)]);
    await expect(failed).rejects.toThrow(expected);
    expect((await good).mask.rows).toBe(24);
    await pool.close();
    await expect(pool.run(jobFor(MORPHOLOGY, 5))).rejects.toThrow(/expected an open post-processing pool/);
  });

  it.each([-1, 1.5, Number.NaN])('rejects workers = %s', (workers) => {
    expect(() => createPostprocessPool({ workers })).toThrow(InvalidArgumentError);
  });
});

describe('error codec across the thread boundary', () => {
  it.each([
    ['InputFileError', new InputFileError('/x/a.png', 'not an image')],
    ['WeightsError', new WeightsError('w.safetensors', ['missing blocks.0.norm1.weight', 'extra head.bias'])],
    ['ChecksumError', new ChecksumError('w.pth', 'ab12', 'cd34')],
    ['SizeMismatchError', new SizeMismatchError('expected 24x20 for the map but received 3x3')],
    ['InvalidArgumentError', new InvalidArgumentError('expected x for y but received z')],
    ['TypeError', new TypeError('boom')],
    ['Error', new Error('plain')],
  ])('rebuilds %s with class, code, message and fields', (_, original) => {
    const copy = deserialiseError(structuredClone(serialiseError(original)));
    expect(copy.constructor).toBe(original.constructor);
    expect([copy.name, copy.message, (copy as { code?: string }).code]).toEqual([original.name, original.message, (original as { code?: string }).code]);
    expect((copy as { file?: string }).file).toBe((original as { file?: string }).file);
    expect((copy as { problems?: string[] }).problems).toEqual((original as { problems?: string[] }).problems);
    expect(copy.stack).toBe(original.stack);
  });

  it('moves whole buffers only, never a view into a larger one', () => {
    const whole = new Float32Array(8);
    const view = new Float32Array(new ArrayBuffer(64), 16, 4);
    expect(transferListOf({ map: createScalarMap(2, 4, whole), image: { data: view, channels: 1, rows: 2, cols: 2 } })).toEqual([whole.buffer]);
  });
});

describe('runSegmentation with the pool', () => {
  let model: VitModel;
  let head: HeadModel;
  let dir: string;
  beforeAll(async () => {
    ({ model, head } = await tinyClassifier());
    dir = await mkdtemp(join(tmpdir(), 'segrun-'));
    await writePng(join(dir, 'a.png'), blobImage(24, 20, 1));
    await writePng(join(dir, 'b.png'), blobImage(20, 28, 2));
    await writeFile(join(dir, 'broken.png'), 'not a png');
  });
  afterAll(async () => {
    await model.dispose();
    await rm(dir, { recursive: true });
  });

  it('keeps input order, records a failure in place and resumes', async () => {
    const images = ['a.png', 'broken.png', 'b.png'].map((name) => join(dir, name));
    const context = { model, head, config: MORPHOLOGY, identity: { model: 'tiny' } };
    const seen: string[] = [];
    const summary = await runSegmentation(images, context, { outDir: join(dir, 'out'), onImageDone: (image) => seen.push(image.id) });
    expect(seen).toEqual(['a', 'broken', 'b']);
    expect(summary.done.map((d) => d.id)).toEqual(['a', 'b']);
    expect(summary.failed.map((f) => f.id)).toEqual(['broken']);
    const failure = JSON.parse(await readFile(join(dir, 'out/items/broken.json'), 'utf8'));
    expect(failure.error.code).toBe('E_INPUT_FILE');
    const again = await runSegmentation(images, context, { outDir: join(dir, 'out'), postprocessWorkers: 0 });
    expect([again.skipped, again.done.map((d) => d.id)]).toEqual([2, ['a', 'b']]);
  });
});

const DIST = resolve(process.env.EXPLAINSEG_DIST_DIR ?? 'dist');
const HAS_DIST = existsSync(join(DIST, 'pipeline/runtime/postprocess-worker.js'));

describe.skipIf(!HAS_DIST)(`real worker threads from ${DIST} (skipped: build with 'npm run build' first)`, () => {
  const load = async <T>(path: string): Promise<T> => (await import(pathToFileURL(join(DIST, path)).href)) as T;

  it('runs jobs on 2 workers with the in-process results, moving the arrays, and survives an error', async () => {
    const { createPostprocessPool: createDistPool } = await load<typeof import('../../../src/pipeline/runtime/postprocess-pool.js')>('pipeline/runtime/postprocess-pool.js');
    const distCore = await load<typeof import('../../../src/core/index.js')>('core/index.js');
    const pool = createDistPool({ workers: 2 });
    expect(pool.inProcess).toBe(false);
    const jobs = [jobFor(MORPHOLOGY, 1), jobFor(PIXEL_NCUT, 2), jobFor(PATCH_NCUT, 3)];
    const expected = jobs.map(sequential);
    const failed = pool.run(nanJob()).then(() => undefined, (e: unknown) => e);
    const results = await Promise.all(jobs.map((job) => pool.run(job)));
    const error = await failed;
    await pool.close();
    expect(error).toBeInstanceOf(distCore.InvalidArgumentError);
    expect([(error as Error).message, (error as { code: string }).code]).toEqual([sequentialNanError().message, 'E_INVALID_ARGUMENT']);
    for (const [i, result] of results.entries()) expect(result.mask).toEqual(expected[i]!.mask);
    expect(jobs[0]!.image.data.length).toBe(0); // moved, not copied
  });

  it('segments a folder with the one-by-one results (records, PNG bytes, failures) when pipelined', async () => {
    const { runSegmentation: runDist } = await load<typeof import('../../../src/pipeline/runs/segment-run.js')>('pipeline/runs/segment-run.js');
    const { model, head } = await tinyClassifier();
    const dir = await mkdtemp(join(tmpdir(), 'segdist-'));
    const images = ['a.png', 'broken.png', 'b.png', 'c.png'].map((name) => join(dir, name));
    await Promise.all([writePng(images[0]!, blobImage(24, 20, 1)), writeFile(images[1]!, 'x'), writePng(images[2]!, blobImage(20, 28, 2)), writePng(images[3]!, blobImage(18, 18, 3))]);
    const context = { model, head, config: PIXEL_NCUT, identity: {} };
    const withoutTimings = (summary: Awaited<ReturnType<typeof runDist>>): unknown => ({ ...summary, done: summary.done.map(({ timingsMs, ...rest }) => rest) });
    const one = await runDist(images, context, { outDir: join(dir, 'one'), postprocessWorkers: 0 });
    const two = await runDist(images, context, { outDir: join(dir, 'two'), postprocessWorkers: 1 });
    await model.dispose();
    expect(withoutTimings(two)).toEqual(withoutTimings(one));
    expect(one.done.length).toBe(3);
    for (const id of ['a', 'b', 'c']) {
      for (const file of ['mask.png', 'map.png', 'overlay.png', 'heatmap.png']) {
        expect(await readFile(join(dir, 'two', id, file))).toEqual(await readFile(join(dir, 'one', id, file)));
      }
    }
    await rm(dir, { recursive: true });
  });
});
