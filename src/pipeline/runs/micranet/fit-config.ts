/**
 * The settings of `explainseg fit --method micranet`: which items split like the ExplainSeg head's (the same
 * seeded subset and split, so both methods train on the same training part and are scored on the same test
 * part), how many of them MICRA-Net trains and validates on, its input side, batch and epochs. `fast` keeps a
 * fit near 10 minutes on 2 cores (S = 128, 10 epochs); the default is the original's S = 256 and batch 64 with
 * 20 epochs instead of 250 (docs/micranet.md says what each costs).
 */
import { ensure, ensureInteger, ensureOneOf } from '../../../core/index.js';
import { DATASET_KINDS, type DatasetKind, type LoadDatasetOptions } from '../../../data/index.js';
import { MICRANET_CLASS_RULES, type MicraNetClassRule } from '../../competitors/index.js';

export interface MicraNetFitConfig {
  readonly method: 'micranet';
  readonly dataset: DatasetKind;
  readonly dataRoot: string;
  readonly seed: number;
  readonly fast: boolean;
  /** The seeded subset of dataset items the split is made of: the ExplainSeg head's (fit's) cap. */
  readonly splitItems: number;
  /** Training and validation items MICRA-Net uses (seeded subsets of the split's parts). */
  readonly trainItems: number;
  readonly validationItems: number;
  /** Network input side S (a multiple of 8). */
  readonly inputSize: number;
  readonly batchSize: number;
  readonly epochs: number;
  /** Held-back images (the split's validation part, with masks) scored at the end. */
  readonly evalImages: number;
  /**
   * Which classes the masks come from: 'positive-or-top' (default) segments the most probable class when none
   * passes 0.5, as every image of these datasets holds the object; 'positive' is the original's rule.
   */
  readonly classes: MicraNetClassRule;
  readonly datasetOptions?: LoadDatasetOptions;
}

export interface MicraNetFitInput {
  readonly dataset: string;
  readonly dataRoot: string;
  readonly fast?: boolean;
  readonly seed?: number;
  readonly trainItems?: number;
  readonly validationItems?: number;
  readonly inputSize?: number;
  readonly batchSize?: number;
  readonly epochs?: number;
  readonly evalImages?: number;
  readonly classes?: string;
  readonly datasetOptions?: LoadDatasetOptions;
}

/** splitItems match resolveFitConfig's head caps (default 2000, fast 600), so the parts are the student fit's. */
export const MICRANET_FIT_PRESETS = {
  default: { splitItems: 2000, trainItems: 2000, validationItems: 400, inputSize: 256, batchSize: 64, epochs: 20, evalImages: 200 },
  fast: { splitItems: 600, trainItems: 600, validationItems: 90, inputSize: 128, batchSize: 32, epochs: 10, evalImages: 60 },
} as const;

/** Preset <- explicit settings, every value checked before any work starts. */
export function resolveMicraNetFitConfig(input: MicraNetFitInput): MicraNetFitConfig {
  const fast = input.fast === true;
  const preset = fast ? MICRANET_FIT_PRESETS.fast : MICRANET_FIT_PRESETS.default;
  const inputSize = ensureInteger(input.inputSize ?? preset.inputSize, 'the MICRA-Net input size (--input-size)', { min: 16, max: 1024 });
  ensure(inputSize % 8 === 0, 'a multiple of 8', 'the MICRA-Net input size (--input-size)', inputSize);
  return {
    method: 'micranet',
    dataset: ensureOneOf(input.dataset, 'the dataset kind', DATASET_KINDS),
    dataRoot: input.dataRoot,
    seed: ensureInteger(input.seed ?? 0, 'the seed', { min: 0 }),
    fast,
    splitItems: preset.splitItems,
    trainItems: ensureInteger(input.trainItems ?? preset.trainItems, 'the MICRA-Net training items (--max-items)', { min: 1 }),
    validationItems: ensureInteger(input.validationItems ?? preset.validationItems, 'the MICRA-Net validation items', { min: 0 }),
    inputSize,
    batchSize: ensureInteger(input.batchSize ?? preset.batchSize, 'the MICRA-Net batch size (--batch-size)', { min: 1 }),
    epochs: ensureInteger(input.epochs ?? preset.epochs, 'the MICRA-Net epochs (--epochs)', { min: 1 }),
    evalImages: ensureInteger(input.evalImages ?? preset.evalImages, 'the held-back images scored (--eval-images)', { min: 0 }),
    classes: ensureOneOf(input.classes ?? 'positive-or-top', 'the classes MICRA-Net segments (--classes)', MICRANET_CLASS_RULES),
    ...(input.datasetOptions ? { datasetOptions: input.datasetOptions } : {}),
  };
}
