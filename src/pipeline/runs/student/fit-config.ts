/**
 * The settings of `explainseg fit` (issue 14, section 4) in the stages' own types: the head's training, the
 * token-head teacher's, how many training images the student learns from, and the student itself. `fast`
 * takes seeded subsets and fewer epochs so that a Kvasir-SEG fit stays under 10 minutes on 2 cores.
 */
import { ensureInteger, ensureOneOf } from '../../../core/index.js';
import { DATASET_KINDS, type DatasetKind, type LoadDatasetOptions } from '../../../data/index.js';
import { defaultStudentConfig, fastStudentConfig, STUDENT_TEACHERS, type StudentConfig } from '../../student/index.js';

export interface FitConfig {
  readonly dataset: DatasetKind;
  readonly dataRoot: string;
  readonly weightsPath: string;
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
  readonly fast?: boolean;
  readonly seed?: number;
  readonly student?: Partial<StudentConfig>;
  readonly maxImages?: number;
  readonly evalImages?: number;
  readonly datasetOptions?: LoadDatasetOptions;
  readonly corrections?: string;
}

const PRESETS = {
  default: { head: {}, tokenHead: { topK: 8, epochs: 40, maxItems: 600 }, maxImages: 2000, evalImages: 200 },
  fast: { head: { maxItems: 600 }, tokenHead: { topK: 8, epochs: 20, maxItems: 240 }, maxImages: 240, evalImages: 60 },
} as const;

/** Defaults <- --fast <- explicit settings, every value checked once before any work starts. */
export function resolveFitConfig(input: FitInput): FitConfig {
  const fast = input.fast === true;
  const preset = fast ? PRESETS.fast : PRESETS.default;
  const student: StudentConfig = { ...defaultStudentConfig, ...(fast ? fastStudentConfig : {}), ...input.student };
  ensureOneOf(student.teacher, 'the student teacher', STUDENT_TEACHERS);
  ensureOneOf(String(student.rounds), 'the student rounds', ['1', '2']);
  ensureInteger(student.hidden, 'the student hidden width', { min: 0 });
  ensureInteger(student.epochs, 'the student epochs', { min: 1 });
  ensureInteger(student.pseudoSide, 'the pseudo-mask side', { min: 8 });
  return {
    dataset: ensureOneOf(input.dataset, 'the dataset kind', DATASET_KINDS),
    dataRoot: input.dataRoot,
    weightsPath: input.weightsPath,
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
