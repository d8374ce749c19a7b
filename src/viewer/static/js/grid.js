// The grid: one card per image id, one panel per shown run side by side (the paper's Figure 2 for any
// images), each panel a stack of layers with the run's numbers under it. Stacks are drawn when they
// scroll into view, and a card is rebuilt only when its data or the runs shown change.
import { layerUrl } from './api.js';
import { applyLayerSettings, fillStack } from './layers.js';
import { formatScore, shownRuns, state, visibleImages } from './state.js';

const cards = new Map();
let observer = null;

function lazyFill(stack, urls) {
  stack.dataset.ready = 'false';
  stack.pendingUrls = urls;
  if (!observer) {
    observer = new IntersectionObserver((entries) => {
      for (const entry of entries) {
        if (!entry.isIntersecting) continue;
        observer.unobserve(entry.target);
        fillStack(entry.target, entry.target.pendingUrls, state.layers);
      }
    }, { rootMargin: '300px' });
  }
  observer.observe(stack);
}

/** {layer: url} of an image in a run, for the layers the server listed. */
export function layerUrls(image, run) {
  const entry = image.runs[run];
  if (!entry) return {};
  return Object.fromEntries(entry.layers.map((layer) => [layer, layerUrl(run, image.id, layer, state.version)]));
}

function factsLine(image, entry) {
  const parts = [];
  if (entry.predictedClass) parts.push(`${entry.predictedClass} ${formatScore(entry.probability, 2)}`);
  parts.push(`IoU ${formatScore(entry.iou)}`, `Dice ${formatScore(entry.dice)}`);
  const truth = image.trueFraction === null ? '' : ` / true ${formatScore(image.trueFraction, 2)}`;
  parts.push(`fg ${formatScore(entry.foregroundFraction, 2)}${truth}`);
  if (entry.corrected) parts.push(`corrected${entry.corrected.dice === null ? '' : ` Dice ${formatScore(entry.corrected.dice)}`}`);
  return parts.join(' \u00b7 ');
}

function panel(image, run, onOpen) {
  const entry = image.runs[run.index];
  const element = document.createElement('div');
  element.className = 'panel';
  element.dataset.run = String(run.index);
  if (!entry) {
    element.classList.add('missing');
    element.textContent = `not in ${run.name} (yet)`;
    return element;
  }
  const stack = document.createElement('div');
  stack.className = 'stack';
  const name = document.createElement('div');
  name.className = 'run-name';
  name.textContent = run.name;
  const facts = document.createElement('div');
  facts.className = 'facts-line';
  facts.textContent = factsLine(image, entry);
  element.append(stack, name, facts);
  element.addEventListener('click', () => onOpen(image.id, run.index));
  lazyFill(stack, layerUrls(image, run.index));
  return element;
}

function buildCard(image, onOpen) {
  const card = document.createElement('article');
  card.className = 'card';
  card.dataset.id = image.id;
  const header = document.createElement('header');
  const id = document.createElement('span');
  id.className = 'id';
  id.textContent = image.id;
  const dataset = document.createElement('span');
  dataset.className = 'muted';
  dataset.textContent = image.dataset;
  header.append(id, dataset);
  const panels = document.createElement('div');
  panels.className = 'panels';
  for (const run of shownRuns()) panels.appendChild(panel(image, run, onOpen));
  card.append(header, panels);
  return card;
}

/** Redraws the grid in the current order and filter, reusing unchanged cards. */
export function renderGrid(grid, onOpen) {
  const images = visibleImages();
  const runsKey = [...state.shownRuns].sort().join(',');
  const elements = images.map((image) => {
    const key = `${runsKey}|${JSON.stringify(image)}`;
    let cached = cards.get(image.id);
    if (!cached || cached.key !== key) {
      cached = { key, element: buildCard(image, onOpen) };
      cards.set(image.id, cached);
    }
    const dice = image.runs[state.scoreRun]?.dice;
    cached.element.dataset.dice = dice === null || dice === undefined ? '' : String(dice);
    return cached.element;
  });
  grid.replaceChildren(...elements);
  return images;
}

/** Applies the layer settings to every drawn stack (no reload). */
export function refreshLayers(root) {
  for (const stack of root.querySelectorAll('.stack')) applyLayerSettings(stack, state.layers);
}
