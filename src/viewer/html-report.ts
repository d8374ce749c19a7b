/**
 * The run report: one static HTML page (inline CSS and a small sorting/filtering script, no external
 * assets) with the run summary, the configuration, a metrics table per method and a per-image table
 * with thumbnails linking to the PNG files written next to it. Every piece of run data is escaped.
 */
import { join } from 'node:path';
import { writeFileAtomic } from '../core/index.js';
import { REPORT_CSS, REPORT_SCRIPT } from './assets.js';
import { validateReportInput, type ImageEntry, type Interval, type MethodSummary, type ReportInput } from './report-input.js';

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML element content and quoted attribute values alike. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => HTML_ESCAPES[ch]!);
}

/** A relative '/'-separated path as a URL: each segment percent-encoded ('#', '?', ':' and spaces included). */
export function urlForPath(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/');
}

/** Up to `digits` decimals, trailing zeros kept for aligned columns; non-finite values show as a dash. */
export function formatNumber(value: number, digits = 4): string {
  return Number.isFinite(value) ? value.toFixed(digits) : '\u2013';
}

export function buildHtmlReport(input: ReportInput): string {
  validateReportInput(input);
  const title = escapeHtml(input.title);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="ExplainSeg">
<title>${title}</title>
<style>${REPORT_CSS}</style>
</head>
<body>
<header><h1>${title}</h1></header>
<main>
${summarySection(input)}
${methodsSection(input.methods)}
${imagesSection(input.images)}
</main>
<script>${REPORT_SCRIPT}</script>
</body>
</html>
`;
}

/** Writes `dir/index.html` atomically and returns its path. */
export async function writeHtmlReport(dir: string, input: ReportInput): Promise<string> {
  const path = join(dir, 'index.html');
  await writeFileAtomic(path, buildHtmlReport(input));
  return path;
}

function summarySection(input: ReportInput): string {
  const rows = Object.entries(input.summary).map(([key, value]) =>
    `<tr><th scope="row">${escapeHtml(key)}</th><td>${escapeHtml(typeof value === 'number' ? formatSummaryNumber(value) : value)}</td></tr>`);
  return `<section id="summary">
<h2>Run summary</h2>
<table class="summary"><tbody>
${rows.join('\n')}
</tbody></table>
<details id="config"><summary>Configuration (JSON)</summary><pre>${escapeHtml(configText(input.config))}</pre></details>
</section>`;
}

function methodsSection(methods: readonly MethodSummary[]): string {
  const rows = methods.map((m) => '<tr>' +
    `<td>${escapeHtml(m.name)}</td>${numberCell(m.n, 0)}${numberCell(m.meanIoU)}${intervalCell(m.iouCi)}` +
    `${numberCell(m.meanDice)}${intervalCell(m.diceCi)}</tr>`);
  return `<section id="methods-section">
<h2>Methods</h2>
<table id="methods" data-sortable>
<thead><tr><th data-sort="text">Method</th><th class="num" data-sort="number">n</th><th class="num" data-sort="number">Mean IoU</th><th class="num">IoU 95% CI</th><th class="num" data-sort="number">Mean Dice</th><th class="num">Dice 95% CI</th></tr></thead>
<tbody>
${rows.join('\n')}
</tbody>
</table>
</section>`;
}

function imagesSection(images: readonly ImageEntry[]): string {
  const metricKeys = unionOfKeys(images.map((image) => image.metrics));
  const fileKeys = unionOfKeys(images.map((image) => image.files));
  const hasClass = images.some((image) => image.predictedClass !== undefined);
  const hasProbability = images.some((image) => image.probability !== undefined);
  const headers = ['<th data-sort="text">Image</th>'];
  if (hasClass) headers.push('<th data-sort="text">Predicted class</th>');
  if (hasProbability) headers.push('<th class="num" data-sort="number">Probability</th>');
  headers.push(...metricKeys.map((key) => `<th class="num" data-sort="number">${escapeHtml(key)}</th>`));
  headers.push(...fileKeys.map((key) => `<th>${escapeHtml(key)}</th>`));
  const rows = images.map((image) => imageRow(image, { metricKeys, fileKeys, hasClass, hasProbability }));
  return `<section id="images-section">
<h2>Images (<span id="image-count">${images.length}</span>)</h2>
<label class="filter">Filter <input type="search" id="image-filter" placeholder="image id or class" autocomplete="off"></label>
<table id="images" data-sortable>
<thead><tr>${headers.join('')}</tr></thead>
<tbody>
${rows.join('\n')}
</tbody>
</table>
</section>`;
}

interface ImageColumns {
  readonly metricKeys: readonly string[];
  readonly fileKeys: readonly string[];
  readonly hasClass: boolean;
  readonly hasProbability: boolean;
}

function imageRow(image: ImageEntry, columns: ImageColumns): string {
  const filterText = `${image.id} ${image.predictedClass ?? ''}`.toLowerCase();
  const cells = [`<td>${escapeHtml(image.id)}</td>`];
  if (columns.hasClass) cells.push(`<td>${escapeHtml(image.predictedClass ?? '')}</td>`);
  if (columns.hasProbability) cells.push(numberCell(image.probability ?? Number.NaN, 3));
  cells.push(...columns.metricKeys.map((key) => numberCell(image.metrics[key] ?? Number.NaN)));
  cells.push(...columns.fileKeys.map((key) => thumbnailCell(image, key)));
  return `<tr data-filter="${escapeHtml(filterText)}">${cells.join('')}</tr>`;
}

function thumbnailCell(image: ImageEntry, kind: string): string {
  const path = image.files[kind];
  if (path === undefined) return '<td class="thumb"></td>';
  const url = escapeHtml(urlForPath(path));
  const alt = escapeHtml(`${kind} of ${image.id}`);
  return `<td class="thumb"><a href="${url}"><img src="${url}" alt="${alt}" title="${escapeHtml(path)}" loading="lazy"></a></td>`;
}

function numberCell(value: number, digits = 4): string {
  const sortValue = Number.isFinite(value) ? String(value) : '';
  return `<td class="num" data-value="${sortValue}">${formatNumber(value, digits)}</td>`;
}

function intervalCell(interval: Interval | undefined): string {
  if (!interval) return '<td class="num muted">\u2013</td>';
  return `<td class="num">[${formatNumber(interval[0], 3)}, ${formatNumber(interval[1], 3)}]</td>`;
}

function formatSummaryNumber(value: number): string {
  return Number.isInteger(value) || !Number.isFinite(value) ? String(value) : String(Number(value.toPrecision(6)));
}

function configText(config: unknown): string {
  if (config === undefined) return '(none)';
  try {
    return JSON.stringify(config, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value), 2) ?? String(config);
  } catch {
    return String(config);
  }
}

/** Keys of all records, in order of first appearance. */
function unionOfKeys(records: readonly Readonly<Record<string, unknown>>[]): string[] {
  const keys = new Set<string>();
  for (const record of records) for (const key of Object.keys(record)) keys.add(key);
  return [...keys];
}
