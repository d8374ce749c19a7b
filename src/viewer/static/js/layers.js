// Layers of an image drawn over each other: the image itself, masks tinted with a colour where they are
// foreground, the heatmap as written by the run, and the soft map through a colour map. Masks and maps
// are drawn into canvases so that their background is transparent.

export const LAYER_STYLES = {
  image: { label: 'image', key: 'i', opacity: 1 },
  gt: { label: 'ground truth', key: 'g', tint: [0, 210, 90], opacity: 0.45 },
  mask: { label: 'predicted mask', key: 'm', tint: [235, 50, 50], opacity: 0.45 },
  heatmap: { label: 'relevance heatmap', key: 'h', opacity: 0.7 },
  fused: { label: 'fused map', key: 'f', colormap: true, opacity: 0.6 },
  corrected: { label: 'corrected mask', key: 'c', tint: [40, 120, 255], opacity: 0.5 },
  preview: { label: 'correction', key: '', tint: [40, 120, 255], opacity: 0.55 },
};

/** Drawing order, bottom first. */
export const LAYER_ORDER = ['image', 'heatmap', 'fused', 'gt', 'mask', 'corrected', 'preview'];

const pictures = new Map();

const MAX_PICTURES = 600;

function loadPicture(url) {
  if (pictures.size > MAX_PICTURES) pictures.clear();
  if (!pictures.has(url)) {
    pictures.set(url, new Promise((resolve, reject) => {
      const img = new Image();
      img.onload = () => resolve(img);
      img.onerror = () => { pictures.delete(url); reject(new Error(`cannot load ${url}`)); };
      img.src = url;
    }));
  }
  return pictures.get(url);
}

/** A blue-green-yellow-red ramp for t in [0, 1]. */
function ramp(t) {
  const r = Math.min(1, Math.max(0, 1.5 - Math.abs(4 * t - 3)));
  const g = Math.min(1, Math.max(0, 1.5 - Math.abs(4 * t - 2)));
  const b = Math.min(1, Math.max(0, 1.5 - Math.abs(4 * t - 1)));
  return [r * 255, g * 255, b * 255];
}

function recolour(img, style) {
  const canvas = document.createElement('canvas');
  canvas.width = img.naturalWidth;
  canvas.height = img.naturalHeight;
  const context = canvas.getContext('2d', { willReadFrequently: true });
  context.drawImage(img, 0, 0);
  const pixels = context.getImageData(0, 0, canvas.width, canvas.height);
  const data = pixels.data;
  for (let p = 0; p < data.length; p += 4) {
    const value = Math.max(data[p], data[p + 1], data[p + 2]) / 255;
    const colour = style.colormap ? ramp(value) : style.tint;
    data[p] = colour[0];
    data[p + 1] = colour[1];
    data[p + 2] = colour[2];
    data[p + 3] = style.colormap ? Math.round(255 * value) : value > 0.5 ? 255 : 0;
  }
  context.putImageData(pixels, 0, 0);
  return canvas;
}

/** The element of one layer: an <img> for pictures shown as they are, a canvas for tinted ones. */
export async function layerElement(kind, url) {
  const img = await loadPicture(url);
  const style = LAYER_STYLES[kind];
  const element = style.tint || style.colormap ? recolour(img, style) : img.cloneNode();
  element.classList.add('layer', `layer-${kind}`);
  element.dataset.layer = kind;
  element.dataset.width = String(img.naturalWidth);
  element.dataset.height = String(img.naturalHeight);
  return element;
}

/** Shows, hides and fades the layers of a stack as the layer settings say. */
export function applyLayerSettings(stack, settings) {
  for (const element of stack.querySelectorAll('.layer')) {
    const setting = settings[element.dataset.layer] ?? { on: true, opacity: LAYER_STYLES[element.dataset.layer]?.opacity ?? 1 };
    element.classList.toggle('hidden', !setting.on);
    element.style.opacity = String(setting.opacity);
  }
}

/** Fills `stack` with the given layers ({kind: url}), in drawing order; resolves when all are drawn. */
export async function fillStack(stack, urls, settings) {
  const kinds = LAYER_ORDER.filter((kind) => urls[kind]);
  const elements = await Promise.all(kinds.map((kind) => layerElement(kind, urls[kind]).catch(() => null)));
  stack.querySelectorAll('.layer').forEach((element) => element.remove());
  const first = elements.find((element) => element);
  if (first) stack.style.aspectRatio = `${first.dataset.width} / ${first.dataset.height}`;
  for (const element of elements) if (element) stack.appendChild(element);
  applyLayerSettings(stack, settings);
  stack.dataset.ready = 'true';
}

/** Replaces one layer of a stack (the correction preview), or removes it when url is null. */
export async function setLayer(stack, kind, url, settings) {
  const old = stack.querySelector(`.layer-${kind}`);
  if (!url) { old?.remove(); return; }
  const element = await layerElement(kind, url);
  if (old) old.replaceWith(element);
  else stack.appendChild(element);
  applyLayerSettings(stack, settings);
}
