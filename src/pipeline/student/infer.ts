/**
 * The student at work (issue 14, section 3): one forward pass gives the patch tokens, the student gives a
 * foreground probability per token; fused with the image cues of `cues` at `workingSide` pixels, cut, refined
 * with DenseCRF where enabled and brought to the image's size.
 */
import { createStopwatch, resizeMapBilinear, resizeMaskSmooth, type ImageTensor, type Mask, type PatchGrid, type ScalarMap } from '../../core/index.js';
import type { ExplainableModel } from '../../backbone/explainable-model.js';
import { toUnitRange } from '../../cues/index.js';
import { imageToBatch, resizeImage } from '../../data/index.js';
import { predictStudentHead, softmax, type HeadModel, type TokenHead } from '../../head/index.js';
import type { StudentConfig } from './config.js';
import { crfWithinValid, fuseAndCut, type TokenMaps } from './cue-maps.js';
import { gridMap, pseudoImage, teacherTokenMap } from './teacher.js';
import { studentFeatures } from './features.js';
import type { StudentWeights } from './student-model.js';

export interface ImageTokens {
  readonly grid: PatchGrid;
  /** [tokens, dim] last-layer patch tokens. */
  readonly tokens: Float32Array;
  /** The CLS head's logits. */
  readonly logits: Float32Array;
}

/** Patch tokens and logits of a few images, in one forward pass. */
export async function tokensOfImages(images: readonly ImageTensor[], context: { model: ExplainableModel; head: Pick<HeadModel, 'normalisation'> }): Promise<ImageTokens[]> {
  const { model } = context;
  const resized = await Promise.all(images.map((image) => resizeImage(image, model.rows, model.cols)));
  const out = await model.forward(imageToBatch(resized, context.head.normalisation), images.length, ['logits', 'patchTokens']);
  const grid = { rows: model.rows / model.config.patchSize, cols: model.cols / model.config.patchSize };
  const perImage = grid.rows * grid.cols * model.config.dim;
  const classes = out.logits!.length / images.length;
  return images.map((_, i) => ({
    grid, tokens: out.patchTokens!.slice(i * perImage, (i + 1) * perImage), logits: out.logits!.slice(i * classes, (i + 1) * classes),
  }));
}

/** Foreground probability per token of one image. */
export function studentProbabilities(tokens: ImageTokens, student: StudentWeights, dim: number): Float32Array {
  return predictStudentHead(student.head, studentFeatures(tokens.tokens, tokens.grid, { dim, context: student.context, position: student.position }));
}

export interface StudentSegmentation {
  /** The fused map at the image size, scaled to [0, 1] over the valid pixels (the soft map a run writes). */
  readonly map: ScalarMap;
  readonly maskBeforeCrf: Mask;
  readonly mask: Mask;
  readonly predictedClass: number;
  readonly probabilities: Float32Array;
  readonly timingsMs: Record<string, number>;
}

/** What segmenting with a fitted student needs: the backbone, the CLS head, the student, and the token head where the cues weigh the teacher. */
export interface StudentContext {
  readonly model: ExplainableModel;
  readonly head: HeadModel;
  readonly student: StudentWeights;
  readonly tokenHead?: TokenHead;
  readonly config: Pick<StudentConfig, 'crf' | 'darkBorderThreshold' | 'cues' | 'cut' | 'workingSide' | 'teacher' | 'target' | 'cueSmoothing'>;
}

/** The token maps the inference cues weigh (the student's probabilities, the teacher's evidence). */
export function inferenceTokenMaps(tokens: ImageTokens, context: Omit<StudentContext, 'model'> & { dim: number; predictedClass: number }): TokenMaps {
  const { cues } = context.config;
  return {
    ...((cues.student ?? 0) !== 0 ? { student: gridMap(studentProbabilities(tokens, context.student, context.dim), tokens.grid) } : {}),
    ...((cues.teacher ?? 0) !== 0
      ? { teacher: teacherTokenMap(tokens.tokens, tokens.grid, { head: context.head, ...(context.tokenHead ? { tokenHead: context.tokenHead } : {}), config: context.config, predictedClass: context.predictedClass }) }
      : {}),
  };
}

/**
 * Segment one image with the student: one forward pass, the student's (and teacher's) token maps fused with
 * the image cues at the working size, cut, DenseCRF where enabled, the mask brought to the image's size.
 *
 * @example const { mask } = await segmentWithStudent(image, { model, head, student, config });
 */
export async function segmentWithStudent(image: ImageTensor, context: StudentContext): Promise<StudentSegmentation> {
  const clock = createStopwatch();
  const { config } = context;
  const [tokens] = await clock.time('forward', () => tokensOfImages([image], context));
  const probabilities = softmax(tokens!.logits, tokens!.logits.length);
  const predictedClass = probabilities.indexOf(Math.max(...probabilities));
  const small = pseudoImage(image, config.workingSide);
  const tokenMaps = clock.timeSync('student', () => inferenceTokenMaps(tokens!, { ...context, dim: context.model.config.dim, predictedClass }));
  const fused = clock.timeSync('cues', () => fuseAndCut(small, { weights: config.cues, cut: config.cut, tokenMaps, config: { ...config, crf: { ...config.crf, enabled: false } } }));
  const refined = config.crf.enabled ? clock.timeSync('crf', () => crfWithinValid(small, fused.maskBeforeCrf, { valid: fused.valid, crf: config.crf })) : fused.maskBeforeCrf;
  const same = small.rows === image.rows && small.cols === image.cols;
  const unit = { rows: small.rows, cols: small.cols, data: toUnitRange(fused.map.data, fused.valid) };
  return {
    map: same ? unit : resizeMapBilinear(unit, image.rows, image.cols),
    maskBeforeCrf: same ? fused.maskBeforeCrf : resizeMaskSmooth(fused.maskBeforeCrf, image.rows, image.cols),
    mask: same ? refined : resizeMaskSmooth(refined, image.rows, image.cols),
    predictedClass, probabilities, timingsMs: { ...clock.timings },
  };
}
