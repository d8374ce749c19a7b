/**
 * One map evaluation (issue 14, section 1): per dataset, a seeded subset of one part of the head's split;
 * per image, every requested map source at the original size scored against the mask (pixel ROC AUC and the
 * pointing game), resumable per image; then means over images with bootstrap intervals per source.
 */
import { dirname, join } from 'node:path';
import {
  createProgressTracker, createStopwatch, DatasetError, sha256File, SizeMismatchError, writeFileAtomic, writeJsonAtomic, writeRunManifest,
  type ProgressCallback, type ScalarMap,
} from '../../../core/index.js';
import { readImage, readMask } from '../../../data/index.js';
import { ensureCompatibleTokenHead, loadTokenHead, type TokenHead } from '../../../head/index.js';
import { MapScoreMetrics, pointingGame, mapRocAuc } from '../../../metrics/index.js';
import { resolveConfig, type PipelineConfig } from '../../config/index.js';
import {
  mapScoreCsv, mapScoreMarkdown, readRecordedSplit, selectPartImages, type MapDatasetNote, type PartImage, type SourceScore,
} from '../../evaluation/index.js';
import {
  classifierMaps, explainImage, lastBlockOf, mapsAtSize, referenceMaps, targetClassFor, type MapSourceName,
} from '../../method/index.js';
import { loadClassifier, type Classifier } from '../../model/index.js';
import { RunStore } from '../../runtime/index.js';
import { explanationRowNames, type MapEvalConfig, type MapEvalDataset } from './config.js';

export interface ImageMapScores {
  readonly id: string;
  readonly part: PartImage['part'];
  readonly gtFraction: number;
  readonly targetClass: string;
  /** Per table row (a map source, or an explanation's relevance/fused row). */
  readonly scores: Record<string, { auc: number; pointing: number }>;
  readonly timingsMs: Record<string, number>;
}

export interface DatasetMapScores {
  readonly dataset: MapEvalDataset;
  readonly images: ImageMapScores[];
  readonly failed: { id: string; message: string }[];
}

interface DatasetContext {
  readonly classifier: Classifier;
  readonly tokenHead?: TokenHead;
  readonly base: PipelineConfig;
  readonly explanations: { name: string; config: PipelineConfig }[];
  readonly sources: ReadonlySet<MapSourceName>;
}

export async function runMapEvaluation(config: MapEvalConfig, onProgress?: ProgressCallback): Promise<DatasetMapScores[]> {
  const results: DatasetMapScores[] = [];
  for (const dataset of config.datasets) results.push(await evaluateDataset(config, dataset, onProgress));
  return results;
}

async function datasetContext(config: MapEvalConfig, dataset: MapEvalDataset): Promise<DatasetContext> {
  const classifier = await loadClassifier({ weightsPath: config.weights, headPath: dataset.head });
  const base = resolveConfig('xncut', config.pipeline, dataset.pipeline ?? {}, { seed: config.seed });
  const explanations = Object.entries(config.explanations).map(([name, partial]) => ({ name, config: resolveConfig('xncut', config.pipeline, dataset.pipeline ?? {}, partial, { seed: config.seed }) }));
  const sources = new Set(config.sources);
  if (!dataset.tokenHead || !sources.has('token-head')) {
    sources.delete('token-head');
    return { classifier, base, explanations, sources };
  }
  const tokenHead = await loadTokenHead(dataset.tokenHead);
  ensureCompatibleTokenHead(tokenHead, { backboneSha256: classifier.backboneSha256, classes: classifier.head.head.classes });
  return { classifier, tokenHead: tokenHead.head, base, explanations, sources };
}

async function evaluateDataset(config: MapEvalConfig, dataset: MapEvalDataset, onProgress?: ProgressCallback): Promise<DatasetMapScores> {
  const recorded = await readRecordedSplit(join(dirname(dataset.head), 'split.json'));
  if (!recorded) throw new DatasetError(`${join(dirname(dataset.head), 'split.json')}: no split beside the head; map scores need to know which images the head saw`);
  const images = await selectPartImages(dataset.data, recorded, { part: dataset.part, limit: dataset.limit, seed: config.seed });
  const context = await datasetContext(config, dataset);
  const store = new RunStore<ImageMapScores>(join(config.out, dataset.name));
  const identity = {
    base: context.base, explanations: context.explanations, sources: [...context.sources].sort(), weights: context.classifier.backboneSha256,
    head: await sha256File(dataset.head), tokenHead: dataset.tokenHead ? await sha256File(dataset.tokenHead) : null,
  };
  const progress = createProgressTracker(`maps ${dataset.name}`, images.length, onProgress);
  const result: DatasetMapScores = { dataset, images: [], failed: [] };
  try {
    for (const image of images) {
      const outcome = await store.settle(image.id, RunStore.keyFor(await sha256File(image.imagePath), identity), () => scoreImage(image, context));
      if ('result' in outcome) result.images.push(outcome.result);
      else result.failed.push({ id: image.id, message: outcome.error });
      progress.advance(1, image.id);
    }
  } finally {
    await context.classifier.model.dispose();
  }
  return result;
}

async function scoreImage(image: PartImage, context: DatasetContext): Promise<ImageMapScores> {
  const pixels = await readImage(image.imagePath);
  const gt = await readMask(image.maskPath);
  if (gt.rows !== pixels.rows || gt.cols !== pixels.cols) throw new SizeMismatchError(`${image.maskPath} is ${gt.rows}x${gt.cols} but its image is ${pixels.rows}x${pixels.cols}`);
  const clock = createStopwatch();
  const { model, head } = context.classifier;
  const block = await lastBlockOf(pixels, { model, head });
  const target = targetClassFor(context.base.explain.target, head, argmax(block.logits));
  const maps: Record<string, ScalarMap> = {
    ...mapsAtSize(classifierMaps(block, { head, target, attentionHead: context.base.fusion.head, ...(context.tokenHead ? { tokenHead: context.tokenHead } : {}) }), pixels),
    ...referenceMaps(pixels),
  };
  clock.lap('forward');
  const wanted = (source: MapSourceName): boolean => context.sources.has(source);
  for (const explanation of wanted('relevance') || wanted('fused') ? context.explanations : []) {
    const explained = await explainImage(pixels, { model, head, config: explanation.config });
    const rows = explanationRowNames(explanation.name);
    if (wanted('relevance')) maps[rows.relevance] = explained.relevance.original;
    if (wanted('fused')) maps[rows.fused] = explained.fused;
    clock.lap(`explain ${explanation.name}`);
  }
  const scores: ImageMapScores['scores'] = {};
  for (const [row, map] of Object.entries(maps)) {
    if (context.sources.has(row as MapSourceName) || row.startsWith('relevance') || row.startsWith('fused')) scores[row] = { auc: mapRocAuc(map, gt), pointing: pointingGame(map, gt) };
  }
  clock.lap('score');
  let foreground = 0;
  for (const value of gt.data) if (value) foreground++;
  const { total: _total, ...timingsMs } = clock.timings;
  return { id: image.id, part: image.part, gtFraction: foreground / gt.data.length, targetClass: head.head.classes[target]!, scores, timingsMs };
}

function argmax(values: Float32Array): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i]! > values[best]!) best = i;
  return best;
}

/** Means over images with bootstrap intervals, per dataset and row. */
export function summariseMapScores(results: readonly DatasetMapScores[], options: { seed: number; bootstrapResamples: number }): SourceScore[] {
  return results.flatMap((result) => {
    const rows = [...new Set(result.images.flatMap((image) => Object.keys(image.scores)))];
    return rows.map((source) => {
      const metrics = new MapScoreMetrics({ seed: options.seed, bootstrapResamples: options.bootstrapResamples });
      for (const image of result.images) {
        const score = image.scores[source];
        if (score) metrics.addRow({ id: image.id, auc: score.auc ?? Number.NaN, pointing: score.pointing ?? Number.NaN, gtFraction: image.gtFraction });
      }
      const { rows: _rows, ...summary } = metrics.result();
      return { dataset: result.dataset.name, source, summary };
    });
  });
}

function notesOf(results: readonly DatasetMapScores[]): MapDatasetNote[] {
  return results.map((r) => ({
    dataset: r.dataset.name, part: r.dataset.part, images: r.images.length, failed: r.failed.length,
    meanTrueFraction: r.images.reduce((sum, image) => sum + image.gtFraction, 0) / Math.max(1, r.images.length),
  }));
}

/** Writes maps.md, maps.csv, maps.json and run.json into the config's out folder; returns the Markdown. */
export async function writeMapEvaluation(config: MapEvalConfig, results: readonly DatasetMapScores[], run: { command: string; startedAt: Date }): Promise<string> {
  const scores = summariseMapScores(results, config);
  const explanations = Object.entries(config.explanations).map(([name, partial]) => `${name}: ${JSON.stringify(partial)}`);
  const setup = [
    `backbone: ${config.weights}`, `pipeline: ${JSON.stringify(config.pipeline)}`,
    ...(explanations.length ? [`explanations (merged over the pipeline): ${explanations.join('; ')}`] : []),
    ...config.datasets.filter((d) => d.pipeline).map((d) => `${d.name} overrides: ${JSON.stringify(d.pipeline)}`),
  ];
  const markdown = mapScoreMarkdown(scores, notesOf(results), { command: run.command, setup });
  await writeFileAtomic(join(config.out, 'maps.md'), markdown);
  await writeFileAtomic(join(config.out, 'maps.csv'), mapScoreCsv(scores));
  await writeJsonAtomic(join(config.out, 'maps.json'), { scores, perImage: results.map((r) => ({ dataset: r.dataset.name, failed: r.failed, images: r.images })) });
  await writeRunManifest(config.out, {
    command: run.command, config, seed: config.seed, startedAt: run.startedAt,
    weightFiles: { backbone: config.weights, ...Object.fromEntries(config.datasets.map((d) => [`head:${d.name}`, d.head])) },
    timingsMs: { total: Date.now() - run.startedAt.getTime() },
  });
  return markdown;
}
