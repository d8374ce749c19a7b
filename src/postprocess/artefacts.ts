import { createMask, ensureMap, ensureNumber, type Mask, type ScalarMap } from '../core/index.js';
import { labelComponents } from './components.js';

/**
 * Pixels of dark regions connected to the image border: the black frame around an endoscopy or dermoscopy
 * view, the dark inset boxes and the area outside an ultrasound fan. Integrated Gradients with a zero
 * (dataset-mean) baseline gives such pixels large attributions (they lie far from the mean) although they carry
 * no anatomy, so the pipeline removes them from the map and the mask (the paper's "border-artefact removal").
 * Dark lesions are kept unless they merge with a dark border region.
 *
 * @example const artefacts = darkBorderRegions(toGrayscale(image), { threshold: 0.06 });
 */
export function darkBorderRegions(gray: ScalarMap, options: { threshold?: number } = {}): Mask {
  ensureMap(gray, 'the grey-level image');
  const threshold = ensureNumber(options.threshold ?? 0.06, 'the dark-region threshold', { min: 0, max: 1 });
  const dark = createMask(gray.rows, gray.cols);
  for (let i = 0; i < dark.data.length; i++) dark.data[i] = gray.data[i]! < threshold ? 1 : 0;
  const { labels, components } = labelComponents(dark, 8);
  const touching = new Set(
    components
      .filter((c) => c.minRow === 0 || c.minCol === 0 || c.maxRow === gray.rows - 1 || c.maxCol === gray.cols - 1)
      .map((c) => c.label),
  );
  const out = createMask(gray.rows, gray.cols);
  if (touching.size === 0) return out;
  for (let i = 0; i < out.data.length; i++) out.data[i] = touching.has(labels[i]!) ? 1 : 0;
  return out;
}
