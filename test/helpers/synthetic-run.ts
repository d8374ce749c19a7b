/**
 * Test helper: a synthetic run folder in the layout `explainseg segment` writes (RUN/ID/result.json,
 * mask.png, map.png (16-bit), overlay.png, heatmap.png, RUN/items/ID.json, run.json, summary.json), with
 * its source images and ground-truth masks in a dataset folder beside it. Image k shows a bright disc on a
 * textured background; the ground truth is the disc; the run's mask is the disc shifted by `shifts[k]`
 * pixels, so Dice falls as the shift grows; the soft map is a smooth bump around the predicted disc.
 * Everything is written with src/data's PNG writers; nothing comes from ../shared.
 */
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createImageTensor, createMask, createScalarMap, writeJsonAtomic, type ImageTensor, type Mask, type ScalarMap } from '../../src/core/index.js';
import { writeMapPng16, writeMaskPng, writeRgbPng } from '../../src/data/index.js';
import { dice } from '../../src/metrics/index.js';

export interface SyntheticImageSpec {
  readonly id: string;
  /** Horizontal shift of the predicted disc against the true one, in pixels. */
  readonly shift: number;
  readonly predictedClass?: string;
}

export interface SyntheticRunOptions {
  readonly name?: string;
  readonly images: readonly SyntheticImageSpec[];
  readonly size?: number;
  readonly dataset?: string;
  /** Write run.json and summary.json (a finished run); default true. */
  readonly complete?: boolean;
  readonly fusion?: boolean;
  /** Parent folder (default: a new temporary folder). */
  readonly root?: string;
}

export interface SyntheticRun {
  readonly root: string;
  readonly runDir: string;
  readonly gtDir: string;
  readonly imagesDir: string;
  /** Dice of each image's run mask against its ground truth, by id. */
  readonly dice: ReadonlyMap<string, number>;
  readonly size: number;
}

function disc(size: number, centreCol: number, radius: number): Mask {
  const mask = createMask(size, size);
  const centreRow = size / 2;
  for (let r = 0; r < size; r++) for (let c = 0; c < size; c++) {
    if ((r + 0.5 - centreRow) ** 2 + (c + 0.5 - centreCol) ** 2 <= radius * radius) mask.data[r * size + c] = 1;
  }
  return mask;
}

function sceneImage(size: number, truth: Mask, seed: number): ImageTensor {
  const image = createImageTensor(3, size, size);
  const plane = size * size;
  for (let p = 0; p < plane; p++) {
    const texture = 0.04 * Math.sin((p % size) * 0.9 + seed) * Math.cos(Math.floor(p / size) * 0.7);
    const base = truth.data[p] ? [0.85, 0.55, 0.5] : [0.25, 0.3, 0.4];
    for (let c = 0; c < 3; c++) image.data[c * plane + p] = base[c]! + texture;
  }
  return image;
}

function softMap(size: number, centreCol: number, radius: number): ScalarMap {
  const map = createScalarMap(size, size);
  for (let r = 0; r < size; r++) for (let c = 0; c < size; c++) {
    const distance = Math.hypot(r + 0.5 - size / 2, c + 0.5 - centreCol);
    map.data[r * size + c] = 1 / (1 + Math.exp((distance - radius) / 2));
  }
  return map;
}

function blend(image: ImageTensor, weight: (p: number) => number, colour: readonly number[]): ImageTensor {
  const out = createImageTensor(3, image.rows, image.cols, image.data.slice());
  const plane = image.rows * image.cols;
  for (let p = 0; p < plane; p++) {
    const w = weight(p);
    for (let c = 0; c < 3; c++) out.data[c * plane + p] = (1 - w) * image.data[c * plane + p]! + w * colour[c]!;
  }
  return out;
}

/** Writes one image of the run (source, ground truth and the run's files); returns its Dice. */
export async function addSyntheticImage(run: Pick<SyntheticRun, 'runDir' | 'gtDir' | 'imagesDir' | 'size'>, spec: SyntheticImageSpec, index = 0): Promise<number> {
  const { size } = run;
  const radius = size * 0.22;
  const truth = disc(size, size / 2, radius);
  const predicted = disc(size, size / 2 + spec.shift, radius);
  const image = sceneImage(size, truth, index);
  const map = softMap(size, size / 2 + spec.shift, radius);
  const source = join(run.imagesDir, `${spec.id}.png`);
  await writeRgbPng(source, image);
  await writeMaskPng(join(run.gtDir, `${spec.id}.png`), truth);
  const dir = join(run.runDir, spec.id);
  await writeMaskPng(join(dir, 'mask.png'), predicted);
  await writeMapPng16(join(dir, 'map.png'), map);
  await writeRgbPng(join(dir, 'overlay.png'), blend(image, (p) => 0.45 * predicted.data[p]!, [1, 0.1, 0.1]));
  await writeRgbPng(join(dir, 'heatmap.png'), blend(image, (p) => 0.6 * map.data[p]!, [1, 0.9, 0]));
  const fraction = predicted.data.reduce((sum, v) => sum + v, 0) / predicted.data.length;
  const files = { mask: `${spec.id}/mask.png`, soft: `${spec.id}/map.png`, overlay: `${spec.id}/overlay.png`, heatmap: `${spec.id}/heatmap.png` };
  const record = {
    id: spec.id, source, predictedClass: spec.predictedClass ?? 'lesion', probability: 0.6 + 0.03 * index,
    relativeConvergenceDelta: 0.01, foregroundFraction: fraction, files, timingsMs: { explain: 1 },
  };
  await writeJsonAtomic(join(dir, 'result.json'), record);
  await writeJsonAtomic(join(run.runDir, 'items', `${encodeURIComponent(spec.id)}.json`), { id: spec.id, key: `key-${spec.id}`, status: 'ok', result: record });
  return dice(predicted, truth);
}

/** A whole synthetic run; see the module comment. */
export async function makeSyntheticRun(options: SyntheticRunOptions): Promise<SyntheticRun> {
  const root = options.root ?? (await mkdtemp(join(tmpdir(), 'explainseg-run-')));
  const dataset = options.dataset ?? 'toy-set';
  const run = {
    root, size: options.size ?? 64,
    runDir: join(root, 'runs', options.name ?? 'student'),
    gtDir: join(root, 'data', dataset, 'masks'),
    imagesDir: join(root, 'data', dataset, 'images'),
  };
  await mkdir(run.runDir, { recursive: true });
  const scores = new Map<string, number>();
  for (const [k, spec] of options.images.entries()) scores.set(spec.id, await addSyntheticImage(run, spec, k));
  if (options.complete !== false) await finishSyntheticRun(run.runDir, options);
  return { ...run, dice: scores };
}

/** run.json and summary.json, as segment writes them at the end of a run. */
export async function finishSyntheticRun(runDir: string, options: Pick<SyntheticRunOptions, 'fusion' | 'images'>): Promise<void> {
  const config = { fusion: { enabled: options.fusion ?? false }, crf: { enabled: true, iterations: 5 } };
  await writeJsonAtomic(join(runDir, 'run.json'), { tool: { name: 'explainseg', version: 'test' }, command: 'synthetic', config, inputs: {}, timingsMs: {} });
  await writeFile(join(runDir, 'summary.json'), `${JSON.stringify({ done: options.images.map((image) => image.id), skipped: 0, failed: [] })}\n`);
}
