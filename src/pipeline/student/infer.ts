/**
 * The student at work (issue 14, section 3): one forward pass gives the patch tokens, the student gives a
 * foreground probability per token, upsampled bilinearly to the image, cut at the student's threshold and
 * refined with DenseCRF at most `crf.maxSide` pixels on the longer side.
 */
import { createStopwatch, resizeMapBilinear, type ImageTensor, type Mask, type PatchGrid, type ScalarMap } from '../../core/index.js';
import type { VitModel } from '../../backbone/vit-model.js';
import { imageToBatch, resizeImage } from '../../data/index.js';
import { predictStudentHead, softmax, type HeadModel } from '../../head/index.js';
import { binarizeAtValue } from '../../postprocess/index.js';
import { refineWithCrf } from '../method/index.js';
import type { StudentConfig } from './config.js';
import { clearDarkBorder } from './teacher.js';
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
export async function tokensOfImages(images: readonly ImageTensor[], context: { model: VitModel; head: Pick<HeadModel, 'normalisation'> }): Promise<ImageTokens[]> {
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
  /** Probabilities at the image size (the soft map). */
  readonly map: ScalarMap;
  readonly maskBeforeCrf: Mask;
  readonly mask: Mask;
  readonly predictedClass: number;
  readonly probabilities: Float32Array;
  readonly timingsMs: Record<string, number>;
}

/**
 * Segment one image with the student: forward, token probabilities, bilinear upsampling, threshold, CRF.
 *
 * @example const { mask } = await segmentWithStudent(image, { model, head, student, config });
 */
export async function segmentWithStudent(
  image: ImageTensor,
  context: { model: VitModel; head: HeadModel; student: StudentWeights; config: Pick<StudentConfig, 'crf' | 'darkBorderThreshold'> },
): Promise<StudentSegmentation> {
  const clock = createStopwatch();
  const dark = context.config.darkBorderThreshold ?? 0;
  const [tokens] = await clock.time('forward', () => tokensOfImages([image], context));
  const probabilities = softmax(tokens!.logits, tokens!.logits.length);
  const predictedClass = probabilities.indexOf(Math.max(...probabilities));
  const { map, maskBeforeCrf } = clock.timeSync('student', () => {
    const grid = studentProbabilities(tokens!, context.student, context.model.config.dim);
    const full = resizeMapBilinear({ rows: tokens!.grid.rows, cols: tokens!.grid.cols, data: grid }, image.rows, image.cols);
    return { map: full, maskBeforeCrf: clearDarkBorder(binarizeAtValue(full, context.student.threshold), image, dark) };
  });
  const { crf } = context.config;
  const mask = crf.enabled ? clock.timeSync('crf', () => clearDarkBorder(refineWithCrf(image, maskBeforeCrf, crf), image, dark)) : maskBeforeCrf;
  return { map, maskBeforeCrf, mask, predictedClass, probabilities, timingsMs: { ...clock.timings } };
}
