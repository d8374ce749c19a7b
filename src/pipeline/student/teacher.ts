/**
 * Pseudo-masks for the student (issue 14, section 3): a teacher map on the patch grid from one forward pass
 * (the multiple-instance token head's evidence, or the CLS head applied to every patch token), fused with the
 * label-free image cues of `teacherCues` on the image at `pseudoSide`, cut (Otsu or a fraction), refined with
 * DenseCRF when enabled, and turned into token targets weighted by the patch's purity. Round 2 fuses the
 * student's own map instead of the teacher's.
 */
import { createScalarMap, invalid, resizeImageBilinear, type ImageTensor, type Mask, type PatchGrid, type ScalarMap } from '../../core/index.js';
import type { CueWeights } from '../../cues/index.js';
import { predictHead, tokenLogits, tokenTargets, type HeadModel, type TokenHead, type TokenTargets } from '../../head/index.js';
import { targetClassFor, tokenEvidenceMap } from '../method/index.js';
import { fuseAndCut, type TokenMaps } from './cue-maps.js';
import type { StudentConfig } from './config.js';

export interface TeacherContext {
  readonly head: HeadModel;
  /** Needed by the 'token-head' teacher. */
  readonly tokenHead?: TokenHead;
  readonly config: Pick<StudentConfig, 'teacher' | 'target'>;
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
  return tokenEvidenceMap(logits, { classes, target, grid });
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
}

/**
 * The pseudo-mask of `small` (the image at the pseudo-mask size) from the token maps and the image cues
 * weighted by `weights` (default: the config's teacherCues, cut by teacherCut; given weights are cut by `cut`),
 * and its token targets on `grid`.
 */
export function pseudoMaskFromCues(
  small: ImageTensor,
  options: { tokenMaps: TokenMaps; grid: PatchGrid; config: Pick<StudentConfig, 'crf' | 'minConfidence' | 'darkBorderThreshold' | 'teacherCues' | 'teacherCut' | 'cut' | 'cueSmoothing'>; weights?: CueWeights },
): PseudoMask {
  const { config } = options;
  const cut = options.weights ? config.cut : config.teacherCut;
  const { mask } = fuseAndCut(small, { weights: options.weights ?? config.teacherCues, cut, tokenMaps: options.tokenMaps, config });
  return { mask, targets: tokenTargets(mask, options.grid, { minConfidence: config.minConfidence }) };
}

/** A probability vector on the grid as a map (the student's round-2 teacher). */
export function gridMap(values: Float32Array, grid: PatchGrid): ScalarMap {
  return createScalarMap(grid.rows, grid.cols, values);
}
