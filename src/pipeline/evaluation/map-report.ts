/**
 * The map table (issue 14, section 1): for every map source and dataset, the mean pixel ROC AUC over images
 * with its bootstrap interval and the mean pointing-game score, as Markdown for people and CSV for tools.
 */
import { toCsv, type MapScoreSummary } from '../../metrics/index.js';

export interface SourceScore {
  readonly dataset: string;
  readonly source: string;
  readonly summary: Omit<MapScoreSummary, 'rows'>;
}

/** What each dataset's column is computed from, for the table's notes. */
export interface MapDatasetNote {
  readonly dataset: string;
  readonly part: string;
  readonly images: number;
  readonly failed: number;
  readonly meanTrueFraction: number;
}

const fixed = (value: number, digits = 3): string => (Number.isFinite(value) ? value.toFixed(digits) : '-');

function cell(score: SourceScore | undefined): string {
  if (!score) return '-';
  const { meanAuc, meanPointing, intervals } = score.summary;
  const interval = intervals ? ` [${fixed(intervals.meanAuc.low, 2)}, ${fixed(intervals.meanAuc.high, 2)}]` : '';
  return `${fixed(meanAuc)}${interval} / ${fixed(meanPointing, 2)}`;
}

/** Rows in the order of `sources`, then any other source in order of first appearance. */
export function mapScoreMarkdown(scores: readonly SourceScore[], notes: readonly MapDatasetNote[], context: { command: string; setup: readonly string[] }): string {
  const datasets = notes.map((note) => note.dataset);
  const sources = [...new Set(scores.map((s) => s.source))];
  const find = (dataset: string, source: string): SourceScore | undefined => scores.find((s) => s.dataset === dataset && s.source === source);
  return [
    '## Map scores: pixel ROC AUC [95% bootstrap interval] / pointing game, mean over images', '',
    `| map source | ${datasets.join(' | ')} |`,
    `| --- | ${datasets.map(() => '---:').join(' | ')} |`,
    ...sources.map((source) => `| ${source} | ${datasets.map((d) => cell(find(d, source))).join(' | ')} |`), '',
    ...notes.map((n) => `- ${n.dataset}: ${n.images} images of the ${n.part} part${n.failed ? ` (${n.failed} failed)` : ''}, true foreground ${fixed(100 * n.meanTrueFraction, 1)}% of the image`),
    ...context.setup.map((line) => `- ${line}`),
    '- AUC 0.5 is chance (a constant map); an empty or full mask has no AUC and is skipped; pointing-game ties score the fraction of tied maxima on the lesion.', '',
    `Reproduce with: \`${context.command}\``, '',
  ].join('\n');
}

export function mapScoreCsv(scores: readonly SourceScore[]): string {
  return toCsv(scores.map(({ dataset, source, summary: s }) => ({
    dataset, source, images: s.images, scoredAuc: s.scoredAuc,
    meanAuc: s.meanAuc, meanAucLow: s.intervals?.meanAuc.low ?? Number.NaN, meanAucHigh: s.intervals?.meanAuc.high ?? Number.NaN,
    meanPointing: s.meanPointing, meanPointingLow: s.intervals?.meanPointing?.low ?? Number.NaN, meanPointingHigh: s.intervals?.meanPointing?.high ?? Number.NaN,
  })));
}
