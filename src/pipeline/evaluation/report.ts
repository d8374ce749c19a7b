/**
 * What an evaluation writes and prints: per-image CSV, summary.json and summary.md (written atomically),
 * and a short text summary. Every number carries its label (mean over images vs pooled over pixels),
 * and the empty-ground-truth rule is spelt out in words.
 */
import { join } from 'node:path';
import { writeFileAtomic, writeJsonAtomic } from '../../core/index.js';
import { toCsv, type EmptyGroundTruthRule, type Interval } from '../../metrics/index.js';
import type { MaskEvaluation } from './mask-folders.js';

export interface EvaluationSources {
  readonly predDir: string;
  readonly gtDir: string;
}

export interface EvaluationSummaryJson {
  readonly predDir: string;
  readonly gtDir: string;
  readonly images: number;
  readonly scored: number;
  readonly emptyGroundTruth: { readonly rule: EmptyGroundTruthRule; readonly meaning: string; readonly images: number };
  readonly resizedPredictions: readonly string[];
  readonly meanIou: number | null;
  readonly meanDice: number | null;
  readonly bootstrap: { readonly level: number; readonly resamples: number; readonly meanIou: Interval; readonly meanDice: Interval } | null;
  readonly pooledIou: number | null;
  readonly pooledDice: number | null;
  readonly meanIouTwoClass: number | null;
  readonly pooledMeanIouTwoClass: number | null;
  /** Mean over images of the predicted and of the true foreground fraction (a method returning the whole frame shows at once). */
  readonly meanPredictedFraction: number | null;
  readonly meanTrueFraction: number | null;
}

export const EVALUATION_FILES = Object.freeze({ scores: 'scores.csv', json: 'summary.json', markdown: 'summary.md' });

/** The rule as a sentence for reports. */
export function describeEmptyGroundTruthRule(rule: EmptyGroundTruthRule): string {
  return rule === 'skip'
    ? 'images whose ground truth is empty are left out of the per-image means and intervals (they still count in the pooled scores)'
    : 'an image whose ground truth is empty scores IoU = Dice = 1 when the prediction is empty too, and 0 when anything is predicted';
}

/** JSON has no NaN: an undefined score (nothing scored) becomes null. */
const finiteOrNull = (value: number): number | null => (Number.isFinite(value) ? value : null);

export function evaluationSummaryJson(evaluation: MaskEvaluation, sources: EvaluationSources): EvaluationSummaryJson {
  const { summary } = evaluation;
  return {
    predDir: sources.predDir,
    gtDir: sources.gtDir,
    images: summary.images,
    scored: summary.scored,
    emptyGroundTruth: {
      rule: evaluation.emptyGroundTruth,
      meaning: describeEmptyGroundTruthRule(evaluation.emptyGroundTruth),
      images: summary.rows.filter((row) => row.gtPixels === 0).length,
    },
    resizedPredictions: evaluation.resized,
    meanIou: finiteOrNull(summary.meanIou),
    meanDice: finiteOrNull(summary.meanDice),
    bootstrap: summary.intervals,
    pooledIou: finiteOrNull(summary.pooledIou),
    pooledDice: finiteOrNull(summary.pooledDice),
    meanIouTwoClass: finiteOrNull(summary.meanIouTwoClass),
    pooledMeanIouTwoClass: finiteOrNull(summary.pooledMeanIouTwoClass),
    meanPredictedFraction: finiteOrNull(summary.meanPredictedFraction),
    meanTrueFraction: finiteOrNull(summary.meanTrueFraction),
  };
}

const score = (value: number | null): string => (value === null ? 'n/a' : value.toFixed(4));
const interval = (value: Interval | undefined): string => (value ? `[${value.low.toFixed(4)}, ${value.high.toFixed(4)}]` : 'n/a');

/** The labelled headline rows shared by the markdown table and the printed summary. */
function headlineRows(json: EvaluationSummaryJson): Array<[string, string, string]> {
  const level = json.bootstrap ? `${Math.round(json.bootstrap.level * 100)}% bootstrap interval` : 'interval';
  return [
    ['mean IoU over images (foreground)', score(json.meanIou), `${level} ${interval(json.bootstrap?.meanIou)}`],
    ['mean Dice over images (foreground)', score(json.meanDice), `${level} ${interval(json.bootstrap?.meanDice)}`],
    ['pooled IoU (pixels summed over images)', score(json.pooledIou), ''],
    ['pooled Dice (pixels summed over images)', score(json.pooledDice), ''],
    ['two-class mIoU, mean over images (background, foreground)', score(json.meanIouTwoClass), ''],
    ['two-class mIoU from pooled pixels', score(json.pooledMeanIouTwoClass), ''],
    ['predicted foreground fraction, mean over images', score(json.meanPredictedFraction), `true ${score(json.meanTrueFraction)}`],
  ];
}

export function evaluationSummaryMarkdown(json: EvaluationSummaryJson): string {
  const resamples = json.bootstrap ? `${json.bootstrap.resamples} percentile-bootstrap resamples over images` : 'no bootstrap (resamples = 0)';
  const lines = [
    '# Segmentation evaluation',
    '',
    `- predictions: \`${json.predDir}\``,
    `- ground truth: \`${json.gtDir}\``,
    `- images: ${json.images} (scored in the means: ${json.scored}; empty ground truth: ${json.emptyGroundTruth.images})`,
    `- empty ground truth rule \`${json.emptyGroundTruth.rule}\`: ${json.emptyGroundTruth.meaning}`,
    `- intervals: ${resamples}`,
    `- predictions resized to the ground-truth size (nearest neighbour): ${json.resizedPredictions.length}`,
    '',
    '| metric | value | interval |',
    '| --- | --- | --- |',
    ...headlineRows(json).map(([name, value, range]) => `| ${name} | ${value} | ${range} |`),
    '',
  ];
  return lines.join('\n');
}

/** A few lines for the terminal. */
export function evaluationSummaryText(json: EvaluationSummaryJson): string {
  const rows = headlineRows(json);
  const width = Math.max(...rows.map(([name]) => name.length));
  const header = `${json.images} image(s), ${json.scored} scored in the means; empty ground truth (${json.emptyGroundTruth.images}): ${json.emptyGroundTruth.meaning}`;
  const resized = json.resizedPredictions.length > 0 ? [`${json.resizedPredictions.length} prediction(s) resized to the ground-truth size (nearest neighbour)`] : [];
  return [header, ...resized, ...rows.map(([name, value, range]) => `${name.padEnd(width)}  ${value}${range ? `  ${range}` : ''}`)].join('\n') + '\n';
}

/** Writes scores.csv, summary.json and summary.md into `outDir`, each atomically; returns their paths. */
export async function writeEvaluationReport(outDir: string, evaluation: MaskEvaluation, sources: EvaluationSources): Promise<{ scores: string; json: string; markdown: string }> {
  const json = evaluationSummaryJson(evaluation, sources);
  const paths = {
    scores: join(outDir, EVALUATION_FILES.scores),
    json: join(outDir, EVALUATION_FILES.json),
    markdown: join(outDir, EVALUATION_FILES.markdown),
  };
  await writeFileAtomic(paths.scores, toCsv(evaluation.summary.rows));
  await writeJsonAtomic(paths.json, json);
  await writeFileAtomic(paths.markdown, evaluationSummaryMarkdown(json));
  return paths;
}
