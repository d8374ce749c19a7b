// The page's state: what the server said (runs, images, summary) and what the reviewer chose (layers,
// order, filters, runs shown). Views read it; main.js changes it and asks the views to redraw.
import { LAYER_STYLES } from './layers.js';

export const state = {
  version: '',
  runs: [],
  images: [],
  summary: [],
  correction: false,
  pollMs: 2000,
  layers: Object.fromEntries(Object.entries(LAYER_STYLES).map(([kind, style]) => [kind, { on: kind !== 'heatmap' && kind !== 'fused', opacity: style.opacity }])),
  sort: { key: 'id', direction: 'asc' },
  scoreRun: 0,
  shownRuns: new Set(),
  filters: { className: '', dataset: '', diceMin: null, diceMax: null, text: '' },
};

/** The value an image sorts and filters by, for the chosen run (null when missing). */
export function sortValue(image, key, run) {
  const entry = image.runs[run];
  switch (key) {
    case 'id': return image.id;
    case 'dataset': return image.dataset;
    case 'class': return entry?.predictedClass ?? null;
    case 'dice': return entry?.dice ?? null;
    case 'iou': return entry?.iou ?? null;
    case 'probability': return entry?.probability ?? null;
    case 'gap': return entry && image.trueFraction !== null && entry.foregroundFraction !== null ? Math.abs(entry.foregroundFraction - image.trueFraction) : null;
    default: return null;
  }
}

function compare(a, b, direction) {
  if (a === null || b === null) return a === b ? 0 : a === null ? 1 : -1;
  const order = typeof a === 'number' ? a - b : String(a).localeCompare(String(b), undefined, { numeric: true, sensitivity: 'base' });
  return direction === 'asc' ? order : -order;
}

function passes(image, filters, run) {
  const entry = image.runs[run];
  if (filters.className && entry?.predictedClass !== filters.className) return false;
  if (filters.dataset && image.dataset !== filters.dataset) return false;
  if (filters.text && !image.id.toLowerCase().includes(filters.text.toLowerCase())) return false;
  const dice = entry?.dice ?? null;
  if (filters.diceMin !== null && (dice === null || dice < filters.diceMin)) return false;
  if (filters.diceMax !== null && (dice === null || dice > filters.diceMax)) return false;
  return true;
}

/** The images shown, filtered and in order (ties broken by id so the order is stable). */
export function visibleImages() {
  const { sort, filters, scoreRun } = state;
  return state.images
    .filter((image) => passes(image, filters, scoreRun))
    .sort((x, y) => compare(sortValue(x, sort.key, scoreRun), sortValue(y, sort.key, scoreRun), sort.direction) || compare(x.id, y.id, 'asc'));
}

/** Runs shown side by side, in run order. */
export function shownRuns() {
  return state.runs.filter((run) => state.shownRuns.has(run.index));
}

export function formatScore(value, digits = 3) {
  return typeof value === 'number' && Number.isFinite(value) ? value.toFixed(digits) : '\u2013';
}
