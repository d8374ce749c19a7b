// Boot and wiring: load runs, images and summary; build the controls; redraw on every change; poll for
// new images while runs are being written.
import { getJson } from './api.js';
import { refreshLayers, renderGrid } from './grid.js';
import { refreshLargeView, setupLargeView, show } from './large-view.js';
import { LAYER_STYLES } from './layers.js';
import { state } from './state.js';
import { renderSummary } from './summary.js';

const $ = (id) => document.getElementById(id);

function option(value, text) {
  const element = document.createElement('option');
  element.value = value;
  element.textContent = text;
  return element;
}

function redraw() {
  const shown = renderGrid($('grid'), show);
  $('count').textContent = `${shown.length} of ${state.images.length} image(s)`;
  $('grid').dataset.count = String(shown.length);
}

function layerControls() {
  const legend = $('layer-controls').querySelector('legend');
  const controls = Object.entries(LAYER_STYLES).filter(([kind]) => kind !== 'preview').map(([kind, style]) => {
    const label = document.createElement('label');
    label.className = 'layer-control';
    const box = Object.assign(document.createElement('input'), { type: 'checkbox', checked: state.layers[kind].on, id: `layer-${kind}` });
    const range = Object.assign(document.createElement('input'), { type: 'range', min: '0', max: '1', step: '0.05', value: String(state.layers[kind].opacity), id: `opacity-${kind}` });
    range.setAttribute('aria-label', `${style.label} opacity`);
    box.addEventListener('change', () => { state.layers[kind].on = box.checked; refreshLayers(document); });
    range.addEventListener('input', () => { state.layers[kind].opacity = Number(range.value); refreshLayers(document); });
    label.append(box, ` ${style.label} (${style.key}) `, range);
    return label;
  });
  $('layer-controls').replaceChildren(legend, ...controls);
}

function syncLayerControls() {
  for (const [kind, setting] of Object.entries(state.layers)) {
    const box = $(`layer-${kind}`);
    if (box) box.checked = setting.on;
  }
  refreshLayers(document);
}

function runControls() {
  const legend = $('run-controls').querySelector('legend');
  const boxes = state.runs.map((run) => {
    const label = document.createElement('label');
    const box = Object.assign(document.createElement('input'), { type: 'checkbox', checked: state.shownRuns.has(run.index) });
    box.dataset.run = String(run.index);
    box.addEventListener('change', () => {
      if (box.checked) state.shownRuns.add(run.index); else state.shownRuns.delete(run.index);
      redraw();
    });
    label.append(box, ` ${run.name}`);
    return label;
  });
  $('run-controls').replaceChildren(legend, ...boxes);
  $('score-run').replaceChildren(...state.runs.map((run) => option(String(run.index), run.name)));
  $('score-run').value = String(state.scoreRun);
}

function filterChoices() {
  const classes = new Set();
  const datasets = new Set();
  for (const image of state.images) {
    if (image.dataset) datasets.add(image.dataset);
    for (const entry of image.runs) if (entry?.predictedClass) classes.add(entry.predictedClass);
  }
  for (const [id, values] of [['filter-class', classes], ['filter-dataset', datasets]]) {
    const select = $(id);
    const current = select.value;
    select.replaceChildren(option('', 'all'), ...[...values].sort().map((value) => option(value, value)));
    select.value = values.has(current) ? current : '';
  }
}

function numberOrNull(text) {
  return text.trim() === '' || !Number.isFinite(Number(text)) ? null : Number(text);
}

function orderControls() {
  $('sort-key').addEventListener('change', (event) => { state.sort.key = event.target.value; redraw(); });
  $('sort-direction').addEventListener('click', (event) => {
    state.sort.direction = state.sort.direction === 'asc' ? 'desc' : 'asc';
    event.target.dataset.direction = state.sort.direction;
    event.target.textContent = state.sort.direction === 'asc' ? 'ascending' : 'descending';
    redraw();
  });
  $('score-run').addEventListener('change', (event) => { state.scoreRun = Number(event.target.value); redraw(); });
  const filters = { 'filter-class': 'className', 'filter-dataset': 'dataset', 'filter-text': 'text' };
  for (const [id, key] of Object.entries(filters)) $(id).addEventListener('input', (event) => { state.filters[key] = event.target.value; redraw(); });
  $('filter-dice-min').addEventListener('input', (event) => { state.filters.diceMin = numberOrNull(event.target.value); redraw(); });
  $('filter-dice-max').addEventListener('input', (event) => { state.filters.diceMax = numberOrNull(event.target.value); redraw(); });
}

function runsLine() {
  const writing = state.runs.filter((run) => !run.complete).length;
  $('runs-line').textContent = state.runs.map((run) => `${run.name} (${run.images}${run.failed.length ? `, ${run.failed.length} failed` : ''})`).join(' \u00b7 ');
  $('status').textContent = writing > 0 ? `${writing} run(s) still being written: new images appear as they finish` : '';
}

/** Fetches everything when the server's version changed; returns whether it did. */
async function refresh(force = false) {
  const runs = await getJson('/api/runs');
  if (!force && runs.version === state.version) return false;
  const [images, summary] = await Promise.all([getJson('/api/images'), getJson('/api/summary')]);
  const firstLoad = state.runs.length === 0;
  Object.assign(state, { version: images.version, runs: runs.runs, correction: runs.correction, pollMs: runs.pollMs, images: images.images, summary: summary.runs });
  if (firstLoad) for (const run of state.runs) state.shownRuns.add(run.index);
  if (firstLoad || $('run-controls').querySelectorAll('input').length !== state.runs.length) runControls();
  filterChoices();
  runsLine();
  renderSummary($('summary-body'), state.summary);
  redraw();
  refreshLargeView();
  document.body.dataset.version = state.version;
  return true;
}

function poll() {
  setTimeout(async () => {
    try { await refresh(); } catch (error) { $('status').textContent = `cannot reach the viewer: ${error.message}`; }
    poll();
  }, state.pollMs);
}

async function main() {
  layerControls();
  orderControls();
  setupLargeView({ onChange: () => refresh(true), onLayers: syncLayerControls });
  await refresh(true);
  document.body.dataset.ready = 'true';
  poll();
}

main().catch((error) => { $('status').textContent = `failed to load: ${error.message}`; });
