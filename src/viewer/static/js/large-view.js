// The large view: one image of one run, big, with keyboard navigation over the grid's current order, layer
// keys, and corrections: clicks go to the server, which re-cuts the image with them as hard constraints
// and answers with the new mask (shown as the 'correction' layer); undo, reset, accept. Dragging paints a
// stroke: its points are clicks of one label, undone together.
import { postJson } from './api.js';
import { layerUrls } from './grid.js';
import { applyLayerSettings, fillStack, LAYER_STYLES, setLayer } from './layers.js';
import { formatScore, state, visibleImages } from './state.js';

const view = { id: null, run: 0, strokes: [], stroke: null, request: 0, onChange: null };

/** Every click of every stroke, in order: what the server gets. */
function allClicks() {
  return view.strokes.flat();
}
const $ = (id) => document.getElementById(id);

function image() {
  return state.images.find((candidate) => candidate.id === view.id);
}

function facts() {
  const current = image();
  const entry = current?.runs[view.run];
  const rows = [['image', current?.id ?? ''], ['dataset', current?.dataset ?? '']];
  if (entry) {
    rows.push(['class', `${entry.predictedClass} (p ${formatScore(entry.probability)})`], ['IoU', formatScore(entry.iou)], ['Dice', formatScore(entry.dice)]);
    rows.push(['foreground', `${formatScore(entry.foregroundFraction)} predicted, ${formatScore(current.trueFraction)} true`]);
    if (entry.corrected) rows.push(['corrected Dice', formatScore(entry.corrected.dice)]);
  }
  $('large-facts').replaceChildren(...rows.flatMap(([term, value]) => {
    const dt = document.createElement('dt');
    dt.textContent = term;
    const dd = document.createElement('dd');
    dd.textContent = value;
    return [dt, dd];
  }));
}

function runTabs() {
  const current = image();
  $('large-runs').replaceChildren(...state.runs.map((run) => {
    const button = document.createElement('button');
    button.type = 'button';
    button.textContent = run.name;
    button.disabled = !current?.runs[run.index];
    button.setAttribute('aria-pressed', String(run.index === view.run));
    button.addEventListener('click', () => show(view.id, run.index));
    return button;
  }));
}

function drawClicks() {
  const stack = $('large-stack');
  stack.querySelectorAll('.click-dot').forEach((dot) => dot.remove());
  const width = Number(stack.querySelector('.layer')?.dataset.width ?? 1);
  const height = Number(stack.querySelector('.layer')?.dataset.height ?? 1);
  for (const click of allClicks()) {
    const dot = document.createElement('span');
    dot.className = `click-dot ${click.label === 1 ? 'positive' : 'negative'}`;
    dot.style.left = `${(100 * (click.col + 0.5)) / width}%`;
    dot.style.top = `${(100 * (click.row + 0.5)) / height}%`;
    stack.appendChild(dot);
  }
}

function status(text) {
  $('correct-status').textContent = text;
}

/** Asks the server for the mask of the current clicks; a newer request makes older answers moot. */
async function recompute() {
  const stack = $('large-stack');
  drawClicks();
  const request = ++view.request;
  const clicks = allClicks();
  if (clicks.length === 0) {
    await setLayer(stack, 'preview', null, state.layers);
    stack.dataset.preview = 'none';
    status('');
    return;
  }
  stack.classList.add('busy');
  status('cutting...');
  try {
    const answer = await postJson('/api/correct', { run: view.run, id: view.id, clicks });
    if (request !== view.request) return;
    await setLayer(stack, 'preview', answer.mask, state.layers);
    stack.dataset.preview = String(clicks.length);
    status(`${clicks.length} click(s); foreground ${formatScore(answer.foregroundFraction)}${answer.dice === null ? '' : `, Dice ${formatScore(answer.dice)}`}`);
  } catch (error) {
    if (request === view.request) status(`correction failed: ${error.message}`);
  } finally {
    if (request === view.request) stack.classList.remove('busy');
  }
}

async function accept() {
  const clicks = allClicks();
  if (clicks.length === 0) return status('nothing to accept: add a click first');
  status('writing...');
  try {
    const answer = await postJson('/api/accept', { run: view.run, id: view.id, clicks });
    status(`accepted: ${answer.files.mask}${answer.dice === null ? '' : ` (Dice ${formatScore(answer.dice)})`}`);
    $('large-stack').dataset.accepted = answer.files.mask;
    view.onChange?.();
  } catch (error) {
    status(`accept failed: ${error.message}`);
  }
}

/** The image pixel under the pointer, or null before the image is drawn. */
function pixelAt(event) {
  const stack = $('large-stack');
  const layer = stack.querySelector('.layer');
  if (!layer || !state.correction) return null;
  const box = stack.getBoundingClientRect();
  const width = Number(layer.dataset.width);
  const height = Number(layer.dataset.height);
  const col = Math.min(width - 1, Math.max(0, Math.floor(((event.clientX - box.left) / box.width) * width)));
  const row = Math.min(height - 1, Math.max(0, Math.floor(((event.clientY - box.top) / box.height) * height)));
  return { row, col, spacing: Math.max(2, Math.round(0.02 * Math.max(width, height))) };
}

function startStroke(event) {
  if (event.button !== 0 && event.button !== 2) return;
  const at = pixelAt(event);
  if (!at) return;
  event.preventDefault();
  $('large-stack').setPointerCapture(event.pointerId);
  const label = event.button === 2 || event.shiftKey ? 0 : 1;
  view.stroke = { label, spacing: at.spacing, points: [{ row: at.row, col: at.col, label }] };
}

function extendStroke(event) {
  const stroke = view.stroke;
  const at = stroke && pixelAt(event);
  if (!at) return;
  const last = stroke.points[stroke.points.length - 1];
  if (Math.hypot(at.row - last.row, at.col - last.col) >= stroke.spacing) stroke.points.push({ row: at.row, col: at.col, label: stroke.label });
}

function endStroke() {
  if (!view.stroke) return;
  view.strokes.push(view.stroke.points);
  view.stroke = null;
  recompute();
}

function undo() {
  view.strokes.pop();
  recompute();
}

function reset() {
  view.strokes = [];
  recompute();
}

/** Shows image `id` of run `run` in the large view (opening it when closed). */
export async function show(id, run) {
  view.id = id;
  view.run = run;
  view.strokes = [];
  view.stroke = null;
  view.request += 1;
  const dialog = $('large');
  if (!dialog.open) dialog.showModal();
  $('large-title').textContent = id;
  $('correct-panel').hidden = !state.correction;
  status('');
  runTabs();
  facts();
  const stack = $('large-stack');
  stack.dataset.ready = 'false';
  stack.dataset.preview = 'none';
  delete stack.dataset.accepted;
  stack.querySelectorAll('.click-dot').forEach((dot) => dot.remove());
  await fillStack(stack, layerUrls(image(), run), state.layers);
}

function step(offset) {
  const order = visibleImages().filter((candidate) => candidate.runs[view.run]);
  const at = order.findIndex((candidate) => candidate.id === view.id);
  const next = order[(at + offset + order.length) % order.length];
  if (next) show(next.id, view.run);
}

function toggleLayer(key) {
  const kind = Object.keys(LAYER_STYLES).find((name) => LAYER_STYLES[name].key === key);
  if (!kind) return false;
  state.layers[kind].on = !state.layers[kind].on;
  applyLayerSettings($('large-stack'), state.layers);
  view.onLayers?.();
  return true;
}

function onKey(event) {
  if (!$('large').open || event.target.tagName === 'INPUT') return;
  const actions = {
    ArrowRight: () => step(1), ArrowLeft: () => step(-1),
    u: undo, r: reset, a: () => accept(),
  };
  if (actions[event.key]) { event.preventDefault(); actions[event.key](); return; }
  if (!event.ctrlKey && !event.metaKey && toggleLayer(event.key)) event.preventDefault();
}

/** Wires the dialog once; `onChange` runs after an accept, `onLayers` after a layer key. */
export function setupLargeView(callbacks) {
  view.onChange = callbacks.onChange;
  view.onLayers = callbacks.onLayers;
  const stack = $('large-stack');
  stack.addEventListener('pointerdown', startStroke);
  stack.addEventListener('pointermove', extendStroke);
  stack.addEventListener('pointerup', endStroke);
  stack.addEventListener('pointercancel', endStroke);
  stack.addEventListener('contextmenu', (event) => event.preventDefault());
  $('large-prev').addEventListener('click', () => step(-1));
  $('large-next').addEventListener('click', () => step(1));
  $('large-close').addEventListener('click', () => $('large').close());
  $('correct-undo').addEventListener('click', undo);
  $('correct-reset').addEventListener('click', reset);
  $('correct-accept').addEventListener('click', accept);
  document.addEventListener('keydown', onKey);
}

/** Refreshes the facts after new data arrived (the image stays, clicks are kept). */
export function refreshLargeView() {
  if ($('large').open && view.id !== null) { facts(); runTabs(); }
}
