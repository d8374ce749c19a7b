/**
 * Settings of the student (issue 14, section 3): which teacher makes the pseudo-masks, which label-free cues
 * are fused with it (src/cues), how token labels are weighted, the student's size and training, and how a
 * mask is made at inference (the student's map fused with the cues, cut by Otsu or a fraction). Frozen
 * defaults here, a preset per dataset kind (weights chosen on each dataset's development images by
 * scripts/cue-sweep.mjs, docs/results.md "ExplainSeg-ST"), and the `--fast` changes.
 */
import type { CueWeights, CutRule } from '../../cues/index.js';
import type { CrfConfig } from '../config/index.js';
import { defaultConfig } from '../config/index.js';

/** Teachers costing one forward pass per image: the token head's map, or the CLS head on every patch token. */
export const STUDENT_TEACHERS = ['token-head', 'patch-logits'] as const;
export type StudentTeacher = (typeof STUDENT_TEACHERS)[number];

export interface StudentConfig {
  readonly teacher: StudentTeacher;
  /** The class whose evidence is the lesion: a class name, 'predicted', or 'auto' (the first class not called background, else predicted). */
  readonly target: string;
  /** 1: learn from the teacher; 2: then from the student's own masks. */
  readonly rounds: 1 | 2;
  /** 0: logistic regression per token; else an MLP of this hidden width. */
  readonly hidden: number;
  /** Concatenate each token with the mean of its 3x3 neighbourhood (twice the width). */
  readonly context: boolean;
  /** Add the token's position (y, x, y^2, x^2) to its features. */
  readonly position: boolean;
  /** The pseudo-masks' map: weights of the teacher's token map and the image cues (no 'student'). */
  readonly teacherCues: CueWeights;
  /** How the pseudo-masks' map becomes a mask (as `cut`). */
  readonly teacherCut: CutRule;
  /** The segmentation map at inference: weights of the student's and teacher's maps and the image cues. */
  readonly cues: CueWeights;
  /** Darkness, haematoxylin and colour contrast are smoothed by a box of this fraction of the longer side (0: none). */
  readonly cueSmoothing: number;
  /** How a fused map becomes a mask: its Otsu threshold, or this fraction of the valid pixels. */
  readonly cut: CutRule;
  /** Dark regions touching the border (endoscope frames, inset boxes) under this grey level are background; 0 keeps all. */
  readonly darkBorderThreshold: number;
  readonly epochs: number;
  readonly lr: number;
  readonly weightDecay: number;
  /** Tokens of lower confidence weight are left out of training. */
  readonly minConfidence: number;
  /** Pseudo-masks are made at this many pixels on the longer side. */
  readonly pseudoSide: number;
  /** Inference fuses and cuts at this many pixels on the longer side (the mask is then brought to the image's size). */
  readonly workingSide: number;
  /** DenseCRF of pseudo-masks and of inference masks at the working size. */
  readonly crf: CrfConfig;
}

export const defaultStudentConfig: Readonly<StudentConfig> = Object.freeze({
  teacher: 'token-head',
  target: 'auto',
  rounds: 1,
  hidden: 0,
  context: true,
  position: true,
  teacherCues: Object.freeze({ teacher: 2, prior: 0.5, contrast: 1 }),
  teacherCut: 'otsu',
  cues: Object.freeze({ student: 2, prior: 0.5, contrast: 1 }),
  cueSmoothing: 1 / 80,
  cut: 'otsu',
  darkBorderThreshold: defaultConfig.mask.darkBorderThreshold,
  epochs: 20,
  lr: 0.01,
  weightDecay: 1e-3,
  minConfidence: 0.3,
  pseudoSide: 160,
  workingSide: 256,
  crf: Object.freeze({ ...defaultConfig.crf, maxSide: 256 }),
});

const withoutCrf = Object.freeze({ ...defaultStudentConfig.crf, enabled: false });

/**
 * Per dataset kind, what its development images chose (scripts/cue-sweep.mjs): the cues that carry the
 * lesion there and the cut. 'generic' keeps the defaults.
 */
export const STUDENT_PRESETS: Readonly<Record<string, Partial<StudentConfig>>> = Object.freeze({
  'kvasir-seg': { cues: { student: 0.5, prior: 1, contrast: 1 }, crf: withoutCrf },
  'bus-bra': { teacherCues: { prior: 1, darkness: 0.5 }, teacherCut: 0.15, cues: { student: 1, darkness: 0.5 }, crf: withoutCrf },
  ph2: { teacherCues: { prior: 0.5, contrast: 1, darkness: 0.5 }, cues: { prior: 0.5, contrast: 1, darkness: 0.5 }, crf: withoutCrf },
  monuseg: { teacherCues: { haematoxylin: 1 }, cues: { haematoxylin: 1 }, cueSmoothing: 1 / 512, workingSide: 512, pseudoSide: 448, crf: withoutCrf },
  generic: {},
});

/** The defaults with the dataset kind's preset applied. */
export function studentConfigFor(dataset: string): StudentConfig {
  return { ...defaultStudentConfig, ...(STUDENT_PRESETS[dataset] ?? {}) };
}

/** What `--fast` changes besides the image and item counts of the fit run. */
export const fastStudentConfig: Partial<StudentConfig> = Object.freeze({ epochs: 10 });
