// The summary panel: a metrics table over the runs and a histogram of per-image Dice for each run.
import { formatScore } from './state.js';

const SVG = 'http://www.w3.org/2000/svg';

function cell(tag, text, className) {
  const element = document.createElement(tag);
  element.textContent = text;
  if (className) element.className = className;
  return element;
}

function interval(ci) {
  return ci ? `[${formatScore(ci[0])}, ${formatScore(ci[1])}]` : '\u2013';
}

function metricsTable(runs) {
  const table = document.createElement('table');
  table.id = 'metrics-table';
  const head = document.createElement('tr');
  for (const [text, numeric] of [['run', false], ['images', true], ['scored', true], ['mean IoU', true], ['IoU 95% CI', true], ['mean Dice', true], ['Dice 95% CI', true], ['pooled Dice', true], ['corrected', true], ['mean Dice with corrections', true]]) {
    head.appendChild(cell('th', text, numeric ? 'num' : ''));
  }
  table.createTHead().appendChild(head);
  const body = table.createTBody();
  for (const run of runs) {
    const row = body.insertRow();
    row.dataset.run = String(run.run);
    row.append(
      cell('td', run.name), cell('td', String(run.images), 'num'), cell('td', String(run.scored), 'num'),
      cell('td', formatScore(run.meanIou, 4), 'num'), cell('td', interval(run.iouCi), 'num'),
      cell('td', formatScore(run.meanDice, 4), 'num'), cell('td', interval(run.diceCi), 'num'),
      cell('td', formatScore(run.pooledDice, 4), 'num'), cell('td', String(run.corrected), 'num'),
      cell('td', formatScore(run.meanDiceCorrected, 4), 'num'),
    );
  }
  return table;
}

function svgElement(name, attributes) {
  const element = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, String(value));
  return element;
}

/** Bars of the Dice histogram, 20 px per bin, the tallest 80 px high. */
export function histogramSvg(histogram, title) {
  const width = histogram.counts.length * 20;
  const height = 100;
  const tallest = Math.max(1, ...histogram.counts);
  const svg = svgElement('svg', { class: 'histogram', width: width + 10, height: height + 14, viewBox: `0 0 ${width + 10} ${height + 14}`, role: 'img', 'aria-label': title });
  histogram.counts.forEach((count, k) => {
    const barHeight = (80 * count) / tallest;
    const bar = svgElement('rect', { x: 5 + k * 20 + 1, y: 90 - barHeight, width: 18, height: barHeight });
    bar.appendChild(svgElement('title', {})).textContent = `Dice ${histogram.edges[k].toFixed(1)}-${histogram.edges[k + 1].toFixed(1)}: ${count}`;
    svg.appendChild(bar);
    if (count > 0) svg.appendChild(svgElement('text', { x: 5 + k * 20 + 10, y: 88 - barHeight, 'text-anchor': 'middle' })).textContent = String(count);
  });
  svg.appendChild(svgElement('text', { x: 5, y: height + 10 })).textContent = '0';
  svg.appendChild(svgElement('text', { x: width + 5, y: height + 10, 'text-anchor': 'end' })).textContent = 'Dice 1';
  return svg;
}

export function renderSummary(root, runs) {
  const histograms = document.createElement('div');
  histograms.className = 'summary-runs';
  for (const run of runs) {
    const figure = document.createElement('figure');
    figure.appendChild(histogramSvg(run.histogram, `Dice histogram of ${run.name}`));
    figure.appendChild(cell('figcaption', `${run.name}: Dice of ${run.scored} image(s)`, 'muted'));
    histograms.appendChild(figure);
  }
  root.replaceChildren(metricsTable(runs), histograms);
}
