/**
 * The settings of `explainseg fit` (issue 14, section 4) in the stages' own types: the head's training, the
 * token-head teacher's, how many training images the student learns from, and the student itself. `fast`
 * takes seeded subsets and fewer epochs so that a Kvasir-SEG fit stays under 10 minutes on 2 cores.
 */
import { ensureInteger, ensureNumber, ensureOneOf, invalid } from '../../../core/index.js';
import { DATASET_KINDS, type DatasetKind, type LoadDatasetOptions } from '../../../data/index.js';
import { CUE_NAMES } from '../../../cues/index.js';
import { BACKBONE_KINDS, type BackboneKind } from '../../../backbone/index.js';
import { fastStudentConfig, STUDENT_TEACHERS, studentConfigFor, type StudentConfig } from '../../student/index.js';

export interface FitConfig {
  readonly dataset: DatasetKind;
  readonly dataRoot: string;
  readonly weightsPath: string;
  /** The backbone the weights must hold (vit-dino, dinov2, mobilenetv2); absent: what they hold. */
  readonly backbone?: BackboneKind;
  readonly seed: number;
  readonly fast: boolean;
  /** The CLS head: at most this many items (seeded subset; patch datasets have thousands) and epochs. */
  readonly head: { readonly maxItems?: number; readonly epochs?: number };
  /** The multiple-instance token head (the default teacher). */
  readonly tokenHead: { readonly topK: number; readonly epochs: number; readonly maxItems: number };
  /** Training images (of the head's training part) the student learns from, seeded subset. */
  readonly maxImages: number;
  /** Held-back images (the head's validation part) the fit scores. */
  readonly evalImages: number;
  readonly student: StudentConfig;
  readonly datasetOptions?: LoadDatasetOptions;
  /**
   * A reviewed segment run folder: a training image with an accepted correction there (`corrected/ID.png`,
   * from `explainseg view`) learns from that mask instead of the teacher's pseudo-mask.
   */
  readonly corrections?: string;
}

export interface FitInput {
  readonly dataset: string;
  readonly dataRoot: string;
  readonly weightsPath: string;
  readonly backbone?: string;
  readonly fast?: boolean;
  readonly seed?: number;
  readonly student?: Partial<StudentConfig>;
  readonly maxImages?: number;
  readonly evalImages?: number;
  readonly datasetOptions?: LoadDatasetOptions;
  readonly corrections?: string;
}

const PRESETS = {
  default: { head: { maxItems: 2000 }, tokenHead: { topK: 8, epochs: 40, maxItems: 600 }, maxImages: 2000, evalImages: 200 },
  fast: { head: { maxItems: 600 }, tokenHead: { topK: 8, epochs: 20, maxItems: 240 }, maxImages: 240, evalImages: 60 },
} as const;

/** Defaults <- --fast <- explicit settings, every value checked once before any work starts. */
export function resolveFitConfig(input: FitInput): FitConfig {
  const fast = input.fast === true;
  const preset = fast ? PRESETS.fast : PRESETS.default;
  const dataset = ensureOneOf(input.dataset, 'the dataset kind', DATASET_KINDS);
  const student: StudentConfig = { ...studentConfigFor(dataset), ...(fast ? fastStudentConfig : {}), ...input.student };
  ensureOneOf(student.teacher, 'the student teacher', STUDENT_TEACHERS);
  ensureOneOf(String(student.rounds), 'the student rounds', ['1', '2']);
  ensureInteger(student.hidden, 'the student hidden width', { min: 0 });
  ensureInteger(student.epochs, 'the student epochs', { min: 1 });
  ensureInteger(student.pseudoSide, 'the pseudo-mask side', { min: 8 });
  ensureInteger(student.workingSide, 'the working side', { min: 8 });
  ensureNumber(student.cueSmoothing, 'the cue smoothing (a fraction of the longer side)', { min: 0, max: 0.5 });
  checkCueWeights(student.teacherCues, 'the teacher cues', { student: false });
  checkCueWeights(student.cues, 'the inference cues', { student: true });
  for (const [name, cut] of [['the cut', student.cut], ['the teacher cut', student.teacherCut]] as const) {
    if (cut !== 'otsu') ensureNumber(cut, `${name} ('otsu' or a fraction)`, { min: 0.001, max: 0.999 });
  }
  return {
    dataset,
    dataRoot: input.dataRoot,
    weightsPath: input.weightsPath,
    ...(input.backbone === undefined ? {} : { backbone: ensureOneOf(input.backbone, 'the backbone (--backbone)', BACKBONE_KINDS) }),
    seed: ensureInteger(input.seed ?? 0, 'the seed', { min: 0 }),
    fast,
    head: preset.head,
    tokenHead: preset.tokenHead,
    maxImages: ensureInteger(input.maxImages ?? preset.maxImages, 'the student training images', { min: 1 }),
    evalImages: ensureInteger(input.evalImages ?? preset.evalImages, 'the held-back images scored', { min: 0 }),
    student,
    ...(input.datasetOptions ? { datasetOptions: input.datasetOptions } : {}),
    ...(input.corrections ? { corrections: input.corrections } : {}),
  };
}

/**
 * Every weight a finite number of a known cue; at least one non-zero; 'student' only where a student exists;
 * never 'objectness' (MaskCut's masks cost 2 s an image and added nothing measurable: scripts/cue-sweep.mjs
 * --objectness measures it, fit and segment do not compute it).
 */
function checkCueWeights(weights: Readonly<Record<string, unknown>>, what: string, options: { student: boolean }): void {
  const names = CUE_NAMES.filter((name) => (options.student || name !== 'student') && name !== 'objectness');
  for (const [name, weight] of Object.entries(weights)) {
    if (!(names as readonly string[]).includes(name)) throw invalid(`one of ${names.join(', ')}`, `a cue name of ${what}`, name);
    ensureNumber(weight, `the weight of '${name}' in ${what}`);
  }
  if (!Object.values(weights).some((w) => w !== 0)) throw invalid('at least one non-zero weight', what, weights);
}
