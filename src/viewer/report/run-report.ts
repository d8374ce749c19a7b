/**
 * `explainseg report`: one self-contained HTML file for one or more runs (every picture embedded as a data
 * URI, the style sheet inline, no script): the metrics table, a Dice histogram per run, a Figure-2 grid
 * (image, ground truth, each run's mask) for chosen images or for the best, median and worst by Dice, and
 * a per-image table. Every piece of run text is escaped.
 */
import { join } from 'node:path';
import { invalid, writeFileAtomic } from '../../core/index.js';
import { composeOverlay, dataUri, figureBase, FIGURE_COLOURS, readMaskOrUndefined } from './figure.js';
import { escapeHtml, formatNumber } from '../html-report.js';
import type { ImageRow, ReviewIndex } from '../review/index.js';
import type { Histogram, RunMetrics } from '../review/index.js';

export interface RunReportOptions {
  readonly title?: string;
  /** Image ids for the Figure-2 grid; default: best, median and worst by Dice of the first run. */
  readonly images?: readonly string[];
  /** Longest side of a grid picture in pixels (default 192). */
  readonly thumbnailSide?: number;
}

const STYLE = `
body { font: 14px/1.45 system-ui, sans-serif; margin: 0 auto; max-width: 1400px; padding: 0 1.5rem 3rem; color-scheme: light dark; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.15rem; margin-top: 2rem; border-bottom: 1px solid #8884; }
table { border-collapse: collapse; } th, td { padding: 0.25rem 0.55rem; border-bottom: 1px solid #8884; text-align: left; vertical-align: top; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.figure td { text-align: center; font-size: 12px; } .figure img { display: block; max-width: 192px; height: auto; image-rendering: pixelated; }
.histograms { display: flex; flex-wrap: wrap; gap: 1.5rem; } .histogram rect { fill: #2a6fdb; } .histogram text { font-size: 10px; fill: currentColor; }
.muted { color: #777; } .legend span { display: inline-block; width: 0.8em; height: 0.8em; margin: 0 0.3em 0 1em; vertical-align: middle; }
.legend .predicted { background: #eb3333; } .legend .truth { background: #00d159; }
`;

/** The ids of the best, median and worst image by Dice of `run` (distinct; fewer when fewer are scored). */
export function pickFigureImages(rows: readonly ImageRow[], run = 0): string[] {
  const scored = rows.filter((row) => row.runs[run]?.dice !== null && row.runs[run]?.dice !== undefined)
    .sort((a, b) => b.runs[run]!.dice! - a.runs[run]!.dice! || (a.id < b.id ? -1 : 1));
  if (scored.length === 0) return rows.slice(0, 3).map((row) => row.id);
  const picks = [scored[0]!, scored[Math.floor((scored.length - 1) / 2)]!, scored[scored.length - 1]!];
  return [...new Set(picks.map((row) => row.id))];
}

const score = (value: number | null | undefined, digits = 4): string => formatNumber(value ?? Number.NaN, digits);

function interval(ci: readonly [number, number] | null): string {
  return ci ? `[${score(ci[0], 3)}, ${score(ci[1], 3)}]` : '\u2013';
}

function metricsTable(runs: readonly RunMetrics[]): string {
  const rows = runs.map((run) => `<tr><td>${escapeHtml(run.name)}</td><td class="num">${run.images}</td><td class="num">${run.scored}</td>`
    + `<td class="num">${score(run.meanIou)}</td><td class="num">${interval(run.iouCi)}</td><td class="num">${score(run.meanDice)}</td>`
    + `<td class="num">${interval(run.diceCi)}</td><td class="num">${score(run.pooledIou)}</td><td class="num">${score(run.pooledDice)}</td>`
    + `<td class="num">${run.corrected}</td><td class="num">${score(run.meanDiceCorrected)}</td></tr>`);
  return `<table id="metrics"><thead><tr><th>run</th><th class="num">images</th><th class="num">scored</th><th class="num">mean IoU</th><th class="num">IoU 95% CI</th>`
    + `<th class="num">mean Dice</th><th class="num">Dice 95% CI</th><th class="num">pooled IoU</th><th class="num">pooled Dice</th><th class="num">corrected</th>`
    + `<th class="num">mean Dice with corrections</th></tr></thead><tbody>\n${rows.join('\n')}\n</tbody></table>`;
}

/** The Dice histogram as inline SVG: 20 px per bin, the tallest bar 80 px. */
export function histogramSvg(histogram: Histogram, title: string): string {
  const width = histogram.counts.length * 20;
  const tallest = Math.max(1, ...histogram.counts);
  const bars = histogram.counts.map((count, k) => {
    const height = (80 * count) / tallest;
    const label = count > 0 ? `<text x="${5 + k * 20 + 10}" y="${(88 - height).toFixed(1)}" text-anchor="middle">${count}</text>` : '';
    return `<rect x="${5 + k * 20 + 1}" y="${(90 - height).toFixed(1)}" width="18" height="${height.toFixed(1)}"><title>Dice ${histogram.edges[k]!.toFixed(1)}-${histogram.edges[k + 1]!.toFixed(1)}: ${count}</title></rect>${label}`;
  });
  return `<svg class="histogram" width="${width + 10}" height="114" viewBox="0 0 ${width + 10} 114" role="img" aria-label="${escapeHtml(title)}">${bars.join('')}`
    + `<text x="5" y="110">0</text><text x="${width + 5}" y="110" text-anchor="end">Dice 1</text></svg>`;
}

function histograms(runs: readonly RunMetrics[]): string {
  return `<div class="histograms">${runs.map((run) => `<figure>${histogramSvg(run.histogram, `Dice histogram of ${run.name}`)}`
    + `<figcaption class="muted">${escapeHtml(run.name)}: Dice of ${run.scored} image(s)</figcaption></figure>`).join('')}</div>`;
}

function picture(uri: string, alt: string): string {
  return `<img src="${uri}" alt="${escapeHtml(alt)}">`;
}

async function figureRow(index: ReviewIndex, row: ImageRow, side: number): Promise<string> {
  const present = row.runs.findIndex((entry) => entry !== null);
  const record = index.record(present, row.id)!;
  const dir = index.snapshot(present)!.dir;
  const base = await figureBase(await index.layerFile(present, row.id, 'image'), join(dir, record.files.overlay), side);
  const truth = await readMaskOrUndefined(await index.groundTruthPath(row.id));
  const cells = [`<th scope="row">${escapeHtml(row.id)}<br><span class="muted">${escapeHtml(row.dataset)}</span></th>`];
  cells.push(`<td>${picture(await dataUri(base), `image ${row.id}`)}</td>`);
  cells.push(truth ? `<td>${picture(await dataUri(composeOverlay(base, { mask: truth, maskColour: FIGURE_COLOURS.truth })), `ground truth of ${row.id}`)}</td>` : '<td class="muted">no ground truth</td>');
  for (const [run, entry] of row.runs.entries()) {
    if (!entry) { cells.push('<td class="muted">not in this run</td>'); continue; }
    const mask = await readMaskOrUndefined(await index.layerFile(run, row.id, 'mask'));
    const composed = composeOverlay(base, { ...(mask ? { mask } : {}), ...(truth ? { outline: truth } : {}) });
    const caption = entry.dice === null ? '' : `Dice ${score(entry.dice, 3)}, IoU ${score(entry.iou, 3)}`;
    cells.push(`<td>${picture(await dataUri(composed), `mask of ${row.id} in run ${run + 1}`)}${caption}</td>`);
  }
  return `<tr data-id="${escapeHtml(row.id)}">${cells.join('')}</tr>`;
}

async function figureGrid(index: ReviewIndex, rows: readonly ImageRow[], side: number): Promise<string> {
  const heads = index.runs().map((run) => `<th>${escapeHtml(run.name)}</th>`).join('');
  const body: string[] = [];
  for (const row of rows) body.push(await figureRow(index, row, side));
  return `<p class="legend muted">masks<span class="predicted"></span>predicted<span class="truth"></span>ground truth (outline over masks)</p>`
    + `<table id="figure" class="figure"><thead><tr><th>image</th><th>input</th><th>ground truth</th>${heads}</tr></thead><tbody>\n${body.join('\n')}\n</tbody></table>`;
}

function imagesTable(index: ReviewIndex, rows: readonly ImageRow[]): string {
  const runs = index.runs();
  const heads = runs.map((run) => `<th colspan="4">${escapeHtml(run.name)}</th>`).join('');
  const sub = runs.map(() => '<th>class</th><th class="num">p</th><th class="num">Dice</th><th class="num">fg</th>').join('');
  const body = rows.map((row) => `<tr><td>${escapeHtml(row.id)}</td><td>${escapeHtml(row.dataset)}</td><td class="num">${score(row.trueFraction, 3)}</td>`
    + row.runs.map((entry) => (entry
      ? `<td>${escapeHtml(entry.predictedClass)}</td><td class="num">${score(entry.probability, 3)}</td><td class="num">${score(entry.dice, 3)}</td><td class="num">${score(entry.foregroundFraction, 3)}</td>`
      : '<td colspan="4" class="muted">\u2013</td>')).join('') + '</tr>');
  return `<table id="images"><thead><tr><th rowspan="2">image</th><th rowspan="2">dataset</th><th rowspan="2" class="num">true fg</th>${heads}</tr><tr>${sub}</tr></thead>`
    + `<tbody>\n${body.join('\n')}\n</tbody></table>`;
}

/** The report's HTML (throws InvalidArgumentError for an id in `images` that no run has). */
export async function buildRunReport(index: ReviewIndex, options: RunReportOptions = {}): Promise<string> {
  await index.refresh();
  const rows = await index.images();
  const byId = new Map(rows.map((row) => [row.id, row]));
  const unknown = (options.images ?? []).filter((id) => !byId.has(id));
  if (unknown.length > 0) throw invalid(`image ids of the runs (${rows.slice(0, 5).map((r) => r.id).join(', ')}${rows.length > 5 ? ', ...' : ''})`, 'the figure images', unknown.join(','));
  const chosen = (options.images && options.images.length > 0 ? [...options.images] : pickFigureImages(rows)).map((id) => byId.get(id)!);
  const summary = await index.summary();
  const title = options.title ?? `ExplainSeg report: ${index.runs().map((run) => run.name).join(' vs ')}`;
  const how = options.images && options.images.length > 0 ? 'chosen images' : 'best, median and worst by Dice of the first run';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="ExplainSeg">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
<p class="muted">${index.runs().map((run) => `${escapeHtml(run.name)}: ${escapeHtml(run.dir)}`).join('<br>')}</p>
<h2>Metrics</h2>
${metricsTable(summary)}
<h2>Dice per image</h2>
${histograms(summary)}
<h2>Figure: ${escapeHtml(how)}</h2>
${await figureGrid(index, chosen, options.thumbnailSide ?? 192)}
<h2>Images (${rows.length})</h2>
${imagesTable(index, rows)}
</body>
</html>
`;
}

/** Writes the report atomically to `path` and returns it. */
export async function writeRunReport(path: string, index: ReviewIndex, options: RunReportOptions = {}): Promise<string> {
  await writeFileAtomic(path, await buildRunReport(index, options));
  return path;
}
