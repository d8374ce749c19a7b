/**
 * Tables of a comparison, in the shape of the paper's Table 1 (the four variants) and Table 2 (XNCut against
 * the competitors and the trivial references): Markdown for people, CSV and JSON for tools.
 */
import { join } from 'node:path';
import { writeFileAtomic, writeJsonAtomic, writeRunManifest } from '../../core/index.js';
import { SegmentationMetrics, toCsv, type MetricsSummary } from '../../metrics/index.js';
import { resolveConfig } from '../config/index.js';
import { STUDENT_ROW, type CompareConfig } from './compare-config.js';
import type { DatasetComparison } from './compare-run.js';

export interface MethodScore {
  readonly dataset: string;
  readonly method: string;
  readonly summary: Omit<MetricsSummary, 'rows'>;
}

export function scoreComparison(results: readonly DatasetComparison[], options: { seed: number; bootstrapResamples: number }): MethodScore[] {
  return results.flatMap((result) => {
    const methods = [...new Set(result.images.flatMap((image) => Object.keys(image.counts)))];
    return methods.map((method) => {
      const metrics = new SegmentationMetrics({ seed: options.seed, bootstrapResamples: options.bootstrapResamples });
      for (const image of result.images) if (image.counts[method]) metrics.addCounts(image.counts[method]!, image.id);
      const { rows: _rows, ...summary } = metrics.result();
      return { dataset: result.dataset.name, method, summary };
    });
  });
}

const pct = (value: number): string => (Number.isNaN(value) ? '-' : (100 * value).toFixed(1));

/**
 * IoU [95% bootstrap interval] / Dice, then the predicted foreground fraction: a method that returns the
 * whole frame shows at once.
 */
function cell(score: MethodScore | undefined): string {
  if (!score) return '-';
  const interval = score.summary.intervals ? ` [${pct(score.summary.intervals.meanIou.low)}, ${pct(score.summary.intervals.meanIou.high)}]` : '';
  return `${pct(score.summary.meanIou)}${interval} / ${pct(score.summary.meanDice)} / fg ${pct(score.summary.meanPredictedFraction)}`;
}


/** The true foreground fraction of each dataset's scored images (the same images for every method). */
function truthRow(scores: readonly MethodScore[], datasets: readonly string[]): string {
  const truth = (dataset: string): string => {
    const score = scores.find((s) => s.dataset === dataset);
    return score ? `fg ${pct(score.summary.meanTrueFraction)}` : '-';
  };
  return `| ground truth | ${datasets.map(truth).join(' | ')} |`;
}

function table(scores: readonly MethodScore[], datasets: readonly string[], methods: readonly string[]): string[] {
  const find = (dataset: string, method: string): MethodScore | undefined => scores.find((s) => s.dataset === dataset && s.method === method);
  return [
    `| method | ${datasets.join(' | ')} |`,
    `| --- | ${datasets.map(() => '---:').join(' | ')} |`,
    ...methods.filter((m) => datasets.some((d) => find(d, m))).map((m) => `| ${m} | ${datasets.map((d) => cell(find(d, m))).join(' | ')} |`),
    truthRow(scores, datasets),
  ];
}

export function comparisonMarkdown(results: readonly DatasetComparison[], scores: readonly MethodScore[], context: { command: string; setup: string[] }): string {
  const datasets = results.map((r) => r.dataset.name);
  const methods = [...new Set(scores.map((s) => s.method))];
  const variants = methods.filter((m) => /^(fusion-morph|fusion-ncut|xai-morph|xncut)/.test(m));
  const others = ['xncut', ...methods.filter((m) => !variants.includes(m))];
  if (methods.includes(STUDENT_ROW)) variants.push(STUDENT_ROW);
  const images = results.map((r) => `${r.dataset.name}: ${r.images.length} images (${r.heldOut} held out from head training${r.failed.length ? `, ${r.failed.length} failed` : ''})`);
  return [
    '## Table 1: the four variants and the student (foreground IoU [95% interval] / Dice / predicted foreground fraction, %, mean over images)', '',
    ...table(scores, datasets, variants), '',
    '## Table 2: XNCut and the student against the competitors and trivial references (foreground IoU [95% interval] / Dice / predicted foreground fraction, %, mean over images)', '',
    ...table(scores, datasets, others), '',
    '## Setup', '',
    ...context.setup.map((line) => `- ${line}`),
    ...images.map((line) => `- ${line}`), '',
    `Reproduce with: \`${context.command}\``, '',
    '`fg`: the mean predicted foreground fraction of the image; the `ground truth` row gives the true one. `explainseg-st`: the fitted student (`explainseg fit`, `segment --model`). Per-method details (intervals of Dice too, pooled IoU/Dice, two-class mIoU, fractions): `comparison.csv` / `comparison.json`.', '',
  ].join('\n');
}

export function comparisonCsv(scores: readonly MethodScore[]): string {
  return toCsv(scores.map(({ dataset, method, summary: s }) => ({
    dataset, method, images: s.images,
    meanIou: s.meanIou, meanIouLow: s.intervals?.meanIou.low ?? Number.NaN, meanIouHigh: s.intervals?.meanIou.high ?? Number.NaN,
    meanDice: s.meanDice, meanDiceLow: s.intervals?.meanDice.low ?? Number.NaN, meanDiceHigh: s.intervals?.meanDice.high ?? Number.NaN,
    pooledIou: s.pooledIou, pooledDice: s.pooledDice, meanIouTwoClass: s.meanIouTwoClass, pooledMeanIouTwoClass: s.pooledMeanIouTwoClass,
    meanPredictedFraction: s.meanPredictedFraction, meanTrueFraction: s.meanTrueFraction,
  })));
}

export async function writeComparison(outDir: string, results: readonly DatasetComparison[], scores: readonly MethodScore[], context: { command: string; setup: string[] }): Promise<string> {
  const markdown = comparisonMarkdown(results, scores, context);
  await writeFileAtomic(join(outDir, 'comparison.md'), markdown);
  await writeFileAtomic(join(outDir, 'comparison.csv'), comparisonCsv(scores));
  await writeJsonAtomic(join(outDir, 'comparison.json'), {
    scores,
    perImage: results.map((r) => ({ dataset: r.dataset.name, ellipseFraction: r.ellipseFraction, failed: r.failed, images: r.images })),
  });
  return markdown;
}

/** The setup lines of comparison.md: backbone, explanation, variants, competitors and per-dataset overrides. */
export function comparisonSetup(config: CompareConfig): string[] {
  const shared = resolveConfig('xncut', config.pipeline);
  const e = shared.explain;
  return [
    `backbone: ${config.weights}`,
    `explanation: Integrated Gradients (${e.method}, ${e.nSteps} steps, ${e.baseline} baseline) x NoiseTunnel (${e.ntType}, ${e.ntSamples} samples, stdev ${e.stdevs}), seed ${config.seed}`,
    `variants: ${config.variants.join(', ')}; DenseCRF ${shared.crf.enabled ? `on (${shared.crf.iterations} iterations, at most ${shared.crf.maxSide} px)` : 'off'}`,
    `competitors: ${config.competitors.join(', ')}; MaskCut at ${config.maskCutInputSize}x${config.maskCutInputSize}`,
    ...config.datasets.filter((d) => d.backbone || d.weights).map((d) => `${d.name} backbone: ${d.backbone ?? "the head's"} (${d.weights ?? config.weights})`),
    ...config.datasets.filter((d) => d.pipeline).map((d) => `${d.name} overrides: ${JSON.stringify(d.pipeline)}`),
  ];
}

/** Scores the results and writes the run folder: comparison.md / .csv / .json and run.json. Returns the Markdown. */
export async function writeComparisonRun(config: CompareConfig, results: readonly DatasetComparison[], run: { command: string; startedAt: Date }): Promise<string> {
  const scores = scoreComparison(results, config);
  const markdown = await writeComparison(config.out, results, scores, { command: run.command, setup: comparisonSetup(config) });
  await writeRunManifest(config.out, {
    command: run.command, config, seed: config.seed, startedAt: run.startedAt,
    weightFiles: {
      backbone: config.weights, ...Object.fromEntries(config.datasets.map((d) => [`head:${d.name}`, d.head])),
      ...Object.fromEntries(config.datasets.filter((d) => d.weights).map((d) => [`backbone:${d.name}`, d.weights!])),
    },
    timingsMs: { total: Date.now() - run.startedAt.getTime() },
  });
  return markdown;
}
