/**
 * Pseudo-masks for the student (issue 14, section 3): a teacher map on the patch grid from one forward pass
 * (the multiple-instance token head's evidence, or the CLS head applied to every patch token), cut at its Otsu
 * threshold on the image at `pseudoSide`, refined with DenseCRF, and turned into token targets whose weight is
 * the patch's purity times the map's distance from the threshold. Round 2 does the same with the student's
 * own probabilities, cut at its threshold.
 */
import { createScalarMap, invalid, resizeImageBilinear, resizeMapBilinear, type ImageTensor, type Mask, type PatchGrid, type ScalarMap } from '../../core/index.js';
import { predictHead, tokenLogits, tokenTargets, type HeadModel, type TokenHead, type TokenTargets } from '../../head/index.js';
import { binarizeAtValue, darkBorderRegions, thresholdOtsu, toGrayscale } from '../../postprocess/index.js';
import { refineWithCrf, targetClassFor, tokenEvidenceMap } from '../method/index.js';
import type { StudentConfig } from './config.js';

export interface TeacherContext {
  readonly head: HeadModel;
  /** Needed by the 'token-head' teacher. */
  readonly tokenHead?: TokenHead;
  readonly config: Pick<StudentConfig, 'teacher' | 'target' | 'prior'>;
}

/** The target class for one image: 'auto' is the first class not named background, else the predicted one. */
export function studentTargetClass(target: string, head: HeadModel, predictedClass: number): number {
  if (target !== 'auto') return targetClassFor(target, head, predictedClass);
  const classes = head.head.classes;
  const lesion = classes.findIndex((name) => !/^(background|normal|negative)$/i.test(name));
  return classes.length === 2 && classes.some((name) => /^background$/i.test(name)) ? lesion : predictedClass;
}

/** The teacher's token map (log-odds of the target class) of one image's patch tokens. */
export function teacherTokenMap(tokens: Float32Array, grid: PatchGrid, context: TeacherContext & { predictedClass: number }): ScalarMap {
  const { head, tokenHead, config } = context;
  const target = studentTargetClass(config.target, head, context.predictedClass);
  const classes = head.head.classes.length;
  if (config.teacher === 'token-head' && !tokenHead) throw invalid('a token head', "the 'token-head' teacher", tokenHead);
  const logits = config.teacher === 'token-head' ? tokenLogits(tokenHead!, tokens) : predictHead(head.head, tokens);
  const evidence = tokenEvidenceMap(logits, { classes, target, grid });
  return (config.prior ?? 0) > 0 ? withCentrePrior(evidence, config.prior) : evidence;
}

/** z(map) + weight z(-r^2), r the normalised distance of a cell centre from the grid's centre. */
function withCentrePrior(map: ScalarMap, weight: number): ScalarMap {
  const prior = new Float32Array(map.data.length);
  for (let r = 0; r < map.rows; r++) for (let c = 0; c < map.cols; c++) {
    const [y, x] = [(2 * (r + 0.5)) / map.rows - 1, (2 * (c + 0.5)) / map.cols - 1];
    prior[r * map.cols + c] = -(y * y + x * x);
  }
  const z = (values: Float32Array): Float32Array => {
    const mean = values.reduce((sum, v) => sum + v, 0) / values.length;
    const sd = standardDeviation(values) || 1;
    return values.map((v) => (v - mean) / sd);
  };
  const [a, b] = [z(map.data), z(prior)];
  return createScalarMap(map.rows, map.cols, a.map((v, i) => v + weight * b[i]!));
}

/** The image brought to at most `side` pixels on its longer side (the pseudo-mask's size). */
export function pseudoImage(image: ImageTensor, side: number): ImageTensor {
  const scale = Math.min(1, side / Math.max(image.rows, image.cols));
  if (scale === 1) return image;
  return resizeImageBilinear(image, Math.max(1, Math.round(image.rows * scale)), Math.max(1, Math.round(image.cols * scale)));
}

export interface PseudoMask {
  readonly mask: Mask;
  readonly targets: TokenTargets;
  readonly threshold: number;
}

/**
 * Cut a token map into a pseudo-mask on `small` (the image at the pseudo-mask size) and derive token targets.
 * `threshold` defaults to the map's Otsu threshold; the CRF runs when `config.crf.enabled`.
 */
export function pseudoMaskFromMap(map: ScalarMap, small: ImageTensor, options: { config: Pick<StudentConfig, 'crf' | 'minConfidence' | 'thresholdShift' | 'darkBorderThreshold'>; threshold?: number; margin?: number }): PseudoMask {
  const { config } = options;
  const threshold = options.threshold ?? thresholdOtsu(map) + config.thresholdShift * standardDeviation(map.data);
  const upsampled = resizeMapBilinear(map, small.rows, small.cols);
  const raw = clearDarkBorder(binarizeAtValue(upsampled, threshold), small, config.darkBorderThreshold);
  const mask = clearDarkBorder(config.crf.enabled ? refineWithCrf(small, raw, { ...config.crf, maxSide: Math.max(small.rows, small.cols) }) : raw, small, config.darkBorderThreshold);
  const grid = { rows: map.rows, cols: map.cols };
  const targets = tokenTargets(mask, grid, { map, threshold, minConfidence: config.minConfidence, ...(options.margin === undefined ? {} : { margin: options.margin }) });
  return { mask, targets, threshold };
}

function standardDeviation(values: Float32Array): number {
  const mean = values.reduce((sum, v) => sum + v, 0) / values.length;
  return Math.sqrt(values.reduce((sum, v) => sum + (v - mean) ** 2, 0) / values.length);
}

/** The mask without the dark regions that touch the image border (a no-op for threshold 0). */
export function clearDarkBorder(mask: Mask, image: ImageTensor, threshold: number): Mask {
  if (!(threshold > 0)) return mask;
  const dark = darkBorderRegions(toGrayscale(image), { threshold });
  for (let i = 0; i < mask.data.length; i++) if (dark.data[i]) mask.data[i] = 0;
  return mask;
}

/** A probability vector on the grid as a map (the student's round-2 teacher). */
export function gridMap(values: Float32Array, grid: PatchGrid): ScalarMap {
  return createScalarMap(grid.rows, grid.cols, values);
}
