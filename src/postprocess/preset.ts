import { createMask, ensureInteger, ensureMap, ensureNumber, type Mask, type ScalarMap } from '../core/index.js';
import { clearBorder, ensureConnectivity, keepLargestComponent, removeSmallObjects, type Connectivity } from './components.js';
import { fillHoles } from './fill-holes.js';
import { footprintDisk } from './footprint.js';
import { equalizeHistogram } from './histogram.js';
import { binaryDilate, binaryErode } from './morphology.js';
import { binarizeAtValue, thresholdOtsu } from './threshold.js';

/** Every step of the paper's relevance-to-mask chain; a size or count of 0 switches that step off. */
export interface MorphologyChainOptions {
  /**
   * Global histogram equalisation before thresholding (the paper's first step). Off by default: Otsu on an
   * equalised map cuts near its median, so about half of every image becomes foreground (docs/results.md).
   */
  equalize: boolean;
  histogramBins: number;
  /** A fixed threshold on the (equalised) map instead of Otsu's; null means Otsu. */
  threshold: number | null;
  /** Components smaller than this many pixels are dropped (0: keep all). */
  minObjectSize: number;
  connectivity: Connectivity;
  /** Remove components within `borderMargin` pixels of the frame (attribution artefacts). */
  clearBorder: boolean;
  borderMargin: number;
  /** When clearing the border would leave nothing, keep the mask as it was (a lesion may touch the frame). */
  keepIfBorderClearEmpties: boolean;
  dilateRadius: number;
  erodeRadius: number;
  fillHoles: boolean;
  keepLargest: boolean;
}

export const DEFAULT_MORPHOLOGY_CHAIN: Readonly<MorphologyChainOptions> = Object.freeze({
  equalize: false,
  histogramBins: 256,
  threshold: null,
  minObjectSize: 64,
  connectivity: 8,
  clearBorder: true,
  borderMargin: 0,
  keepIfBorderClearEmpties: true,
  dilateRadius: 3,
  erodeRadius: 3,
  fillHoles: true,
  keepLargest: false,
});

export interface MorphologyChainResult {
  readonly mask: Mask;
  /** The threshold applied, in the units of the (equalised, if `equalize`) map; foreground is `> threshold`. */
  readonly threshold: number;
}

/**
 * The relevance-map-to-mask chain of the paper (section 3.5): histogram equalisation, Otsu threshold,
 * connected components (small ones removed), border-artefact removal, dilation, erosion, hole filling and
 * optionally only the largest component. Each step is configurable and can be switched off.
 *
 * @example const { mask, threshold } = maskFromMapMorphology(relevance, { dilateRadius: 5, keepLargest: true });
 */
export function maskFromMapMorphology(map: ScalarMap, options: Partial<MorphologyChainOptions> = {}): MorphologyChainResult {
  ensureMap(map);
  const o = resolveOptions(options);
  const source = o.equalize ? equalizeHistogram(map, { bins: o.histogramBins }) : map;
  const threshold = o.threshold ?? thresholdOtsu(source, { bins: o.histogramBins });
  let mask = binarizeAtValue(source, threshold);
  if (isEmpty(mask)) return { mask: createMask(map.rows, map.cols), threshold };
  if (o.minObjectSize > 1) mask = removeSmallObjects(mask, o.minObjectSize, o.connectivity);
  if (o.clearBorder) mask = clearBorderUnlessEmptied(mask, o);
  if (o.dilateRadius > 0) mask = binaryDilate(mask, footprintDisk(o.dilateRadius));
  if (o.erodeRadius > 0) mask = binaryErode(mask, footprintDisk(o.erodeRadius));
  if (o.fillHoles) mask = fillHoles(mask);
  if (o.keepLargest) mask = keepLargestComponent(mask, o.connectivity);
  return { mask, threshold };
}

function clearBorderUnlessEmptied(mask: Mask, o: MorphologyChainOptions): Mask {
  const cleared = clearBorder(mask, { margin: o.borderMargin, connectivity: o.connectivity });
  return o.keepIfBorderClearEmpties && isEmpty(cleared) ? mask : cleared;
}

function isEmpty(mask: Mask): boolean {
  for (let i = 0; i < mask.data.length; i++) if (mask.data[i]) return false;
  return true;
}

function resolveOptions(options: Partial<MorphologyChainOptions>): MorphologyChainOptions {
  const o = { ...DEFAULT_MORPHOLOGY_CHAIN, ...options };
  ensureInteger(o.histogramBins, 'histogramBins', { min: 2 });
  if (o.threshold !== null) ensureNumber(o.threshold, 'threshold');
  ensureInteger(o.minObjectSize, 'minObjectSize', { min: 0 });
  ensureConnectivity(o.connectivity, 'connectivity');
  ensureInteger(o.borderMargin, 'borderMargin', { min: 0 });
  ensureInteger(o.dilateRadius, 'dilateRadius', { min: 0 });
  ensureInteger(o.erodeRadius, 'erodeRadius', { min: 0 });
  return o;
}
