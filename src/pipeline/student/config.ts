/**
 * Settings of the student (issue 14, section 3): which teacher makes the pseudo-masks, how token labels are
 * weighted, the student's size and training, and how a mask is made at inference. Frozen defaults here; the
 * `--fast` preset trades images and epochs for time. The defaults are the best of scripts/student-sweep.mjs
 * on Kvasir-SEG's development images (docs/results.md, "ExplainSeg-ST"): the token-head teacher with the
 * centre prior, dark border cleared, position features, one round (a second never helped there).
 */
import type { CrfConfig } from '../config/index.js';
import { defaultConfig } from '../config/index.js';

/** Teachers costing one forward pass per image: the token head's map, or the CLS head on every patch token. */
export const STUDENT_TEACHERS = ['token-head', 'patch-logits'] as const;
export type StudentTeacher = (typeof STUDENT_TEACHERS)[number];

export interface StudentConfig {
  readonly teacher: StudentTeacher;
  /** The class whose evidence is the lesion: a class name, 'predicted', or 'auto' (the first class not called background, else predicted). */
  readonly target: string;
  /** 1: learn from the teacher; 2: then from the student's own masks after CRF. */
  readonly rounds: 1 | 2;
  /** 0: logistic regression per token; else an MLP of this hidden width. */
  readonly hidden: number;
  /** Concatenate each token with the mean of its 3x3 neighbourhood (twice the width). */
  readonly context: boolean;
  /** Add the token's position (y, x, y^2, x^2) to its features. */
  readonly position: boolean;
  /** Weight of a centred radial prior added to the standardised teacher map (0: the teacher alone). */
  readonly prior: number;
  /** Dark regions touching the border (endoscope frames, inset boxes) under this grey level are background; 0 keeps all. */
  readonly darkBorderThreshold: number;
  /** The teacher's pseudo-mask threshold: its Otsu threshold plus this many standard deviations of the map. */
  readonly thresholdShift: number;
  readonly epochs: number;
  readonly lr: number;
  readonly weightDecay: number;
  /** Tokens of lower confidence weight are left out of training. */
  readonly minConfidence: number;
  /** Pseudo-masks (and their CRF) are made at this many pixels on the longer side. */
  readonly pseudoSide: number;
  /** DenseCRF of pseudo-masks and of inference (`maxSide` caps the inference CRF). */
  readonly crf: CrfConfig;
}

export const defaultStudentConfig: Readonly<StudentConfig> = Object.freeze({
  teacher: 'token-head',
  target: 'auto',
  rounds: 1,
  hidden: 0,
  context: true,
  position: true,
  prior: 1,
  darkBorderThreshold: defaultConfig.mask.darkBorderThreshold,
  thresholdShift: 0,
  epochs: 20,
  lr: 0.01,
  weightDecay: 1e-3,
  minConfidence: 0.3,
  pseudoSide: 160,
  crf: Object.freeze({ ...defaultConfig.crf, maxSide: 256 }),
});

/** What `--fast` changes besides the image and item counts of the fit run. */
export const fastStudentConfig: Partial<StudentConfig> = Object.freeze({ epochs: 10 });
