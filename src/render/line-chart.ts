/**
 * A small SVG line chart: panels side by side sharing one x axis, each with its own y range, one polyline
 * per series (null values leave a gap), ticks at both ends of each axis and a legend. Enough for learning
 * curves in a report; no dependency, deterministic text (numbers rounded to 0.1 px).
 */
import { ensure } from '../core/index.js';

export interface ChartSeries {
  readonly name: string;
  readonly values: readonly (number | null | undefined)[];
  /** CSS colour; default from a fixed palette. */
  readonly colour?: string;
}

export interface ChartPanel {
  readonly title: string;
  readonly series: readonly ChartSeries[];
  /** Fixed y range; default the range of the values (a flat series gets +-0.5). */
  readonly yRange?: readonly [number, number];
}

export interface LineChartOptions {
  readonly panels: readonly ChartPanel[];
  /** The x value of each point (every series has one value per x). */
  readonly x: readonly number[];
  readonly xLabel: string;
  /** Pixels of one panel; default 360 x 240. */
  readonly panelWidth?: number;
  readonly panelHeight?: number;
}

const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e'];
const MARGIN = { left: 52, right: 16, top: 28, bottom: 58 };

const px = (value: number): string => String(Math.round(value * 10) / 10);
const escapeXml = (text: string): string => text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
const tick = (value: number): string => (Math.abs(value) >= 100 || Number.isInteger(value) ? String(Math.round(value)) : value.toPrecision(3));

function rangeOf(panel: ChartPanel): [number, number] {
  if (panel.yRange) return [panel.yRange[0], panel.yRange[1]];
  const values = panel.series.flatMap((s) => s.values).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  if (values.length === 0) return [0, 1];
  const low = Math.min(...values);
  const high = Math.max(...values);
  return low === high ? [low - 0.5, high + 0.5] : [low, high];
}

/** The points of one series as polyline runs, split where a value is missing. */
function runsOf(values: ChartSeries['values'], at: (i: number, v: number) => string): string[] {
  const runs: string[][] = [[]];
  values.forEach((value, i) => {
    if (typeof value === 'number' && Number.isFinite(value)) runs.at(-1)!.push(at(i, value));
    else if (runs.at(-1)!.length > 0) runs.push([]);
  });
  return runs.filter((run) => run.length > 0).map((run) => run.join(' '));
}

function panelSvg(panel: ChartPanel, options: LineChartOptions, offsetX: number): string[] {
  const width = options.panelWidth ?? 360;
  const height = options.panelHeight ?? 240;
  const plotW = width - MARGIN.left - MARGIN.right;
  const plotH = height - MARGIN.top - MARGIN.bottom;
  const [x0, x1] = [options.x[0]!, options.x.at(-1)!];
  const [y0, y1] = rangeOf(panel);
  const sx = (x: number): number => offsetX + MARGIN.left + (x1 === x0 ? plotW / 2 : ((x - x0) / (x1 - x0)) * plotW);
  const sy = (y: number): number => MARGIN.top + plotH - ((y - y0) / (y1 - y0)) * plotH;
  const left = offsetX + MARGIN.left;
  const bottom = MARGIN.top + plotH;
  const parts = [
    `<text x="${px(left + plotW / 2)}" y="18" text-anchor="middle" font-weight="bold">${escapeXml(panel.title)}</text>`,
    `<rect x="${px(left)}" y="${MARGIN.top}" width="${px(plotW)}" height="${px(plotH)}" fill="none" stroke="#999"/>`,
    `<text x="${px(left - 4)}" y="${px(bottom)}" text-anchor="end">${tick(y0)}</text>`,
    `<text x="${px(left - 4)}" y="${px(MARGIN.top + 10)}" text-anchor="end">${tick(y1)}</text>`,
    `<text x="${px(left)}" y="${px(bottom + 14)}" text-anchor="middle">${tick(x0)}</text>`,
    `<text x="${px(left + plotW)}" y="${px(bottom + 14)}" text-anchor="middle">${tick(x1)}</text>`,
    `<text x="${px(left + plotW / 2)}" y="${px(bottom + 14)}" text-anchor="middle">${escapeXml(options.xLabel)}</text>`,
  ];
  panel.series.forEach((series, k) => {
    const colour = series.colour ?? PALETTE[k % PALETTE.length]!;
    for (const points of runsOf(series.values, (i, v) => `${px(sx(options.x[i]!))},${px(sy(v))}`)) {
      parts.push(`<polyline class="series" data-series="${escapeXml(series.name)}" fill="none" stroke="${colour}" stroke-width="2" points="${points}"/>`);
    }
    const legendY = bottom + 30 + 14 * k;
    parts.push(`<line x1="${px(left)}" y1="${px(legendY - 4)}" x2="${px(left + 18)}" y2="${px(legendY - 4)}" stroke="${colour}" stroke-width="2"/>`);
    parts.push(`<text x="${px(left + 24)}" y="${px(legendY)}">${escapeXml(series.name)}</text>`);
  });
  return parts;
}

/**
 * @example lineChartSvg({ x: [1, 2, 3], xLabel: 'epoch', panels: [{ title: 'loss', series: [{ name: 'train', values: [0.9, 0.5, 0.4] }] }] })
 */
export function lineChartSvg(options: LineChartOptions): string {
  ensure(options.panels.length > 0, 'at least one panel', 'the chart', options.panels.length);
  ensure(options.x.length > 0, 'at least one x value', 'the chart', options.x.length);
  for (const panel of options.panels) {
    for (const series of panel.series) ensure(series.values.length === options.x.length, `${options.x.length} values (one per x)`, `the series ${series.name}`, series.values.length);
  }
  const width = options.panelWidth ?? 360;
  const legendRows = Math.max(...options.panels.map((panel) => panel.series.length));
  const height = (options.panelHeight ?? 240) + Math.max(0, legendRows - 2) * 14;
  const body = options.panels.flatMap((panel, k) => panelSvg(panel, options, k * width));
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width * options.panels.length}" height="${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    ...body,
    '</svg>',
    '',
  ].join('\n');
}
