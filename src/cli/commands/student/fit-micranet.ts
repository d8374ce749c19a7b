/**
 * `explainseg fit --method micranet`: MICRA-Net trained from scratch on the same split as the ExplainSeg head
 * (pipeline/runs/micranet). Flags of the student's fit are refused here, and MICRA-Net's own ones there.
 */
import { access } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { InputFileError, invalid } from '../../../core/index.js';
import { resolveMicraNetFitConfig, runMicraNetFit, type FitStageEvent } from '../../../pipeline/index.js';
import type { CliIo, ParsedArgs } from '../../command.js';
import { integerFlag, requiredStringFlag } from '../../flags.js';
import { ensureOutputDir } from '../../output-dir.js';
import { createProgressBar } from '../../progress-bar.js';

/** Flags only `--method micranet` reads. */
export const MICRANET_FIT_FLAGS = ['epochs', 'input-size', 'batch-size', 'classes'] as const;
/** Flags only the student's fit reads. */
const STUDENT_ONLY_FLAGS = ['weights', 'teacher', 'rounds', 'hidden', 'corrections', 'cues', 'teacher-cues', 'cut', 'backbone'] as const;

export const micranetFitUsage = `MICRA-Net (--method micranet): the baseline of Bilodeau et al. (2022), trained from scratch on the same
split as the ExplainSeg head (the same seeded subset, parts and test images), Adam, BCE with positive weights,
plateau schedule, best-validation weights, a checkpoint every epoch; writes MODEL_DIR/model.json (kind
micranet), micranet.safetensors, split.json, metrics.json, run.json. --fast: S = 128, 10 epochs, batch 32,
about 10 minutes on 2 cores; default S = 256, batch 64 (the original's), 20 epochs (the original runs 250).
  --epochs N          training epochs (a rerun with more extends a finished training)
  --input-size S      network input side, a multiple of 8
  --batch-size N      images per Adam step
  --max-images N      training items (seeded subset of the training part)
  --eval-images N     held-back images scored at the end
  --classes RULE      positive-or-top (default: the classes predicted positive, else the most probable one,
                      as every image of these datasets holds the object) | positive (the original's rule)`;

/** One stderr line per finished or skipped stage of a fit, with its time. */
export function fitStagePrinter(io: CliIo): (event: FitStageEvent) => void {
  return (event) => {
    if (event.status !== 'started') io.stderr.write(`fit: ${event.stage} ${event.status}${event.ms === undefined ? '' : ` (${(event.ms / 1000).toFixed(1)} s)`}\n`);
  };
}

/** A fraction as a percentage with one decimal. */
export const percent = (value: number): string => (100 * value).toFixed(1);

export async function runMicraNetFitCommand(args: ParsedArgs, io: CliIo): Promise<number> {
  const { values } = args;
  for (const flag of STUDENT_ONLY_FLAGS) if (values[flag] !== undefined) throw invalid('no student flag with --method micranet', `--${flag}`, values[flag]);
  const dataRoot = resolve(requiredStringFlag(values, 'data'));
  await access(dataRoot).catch((error: unknown) => {
    throw new InputFileError(dataRoot, 'the dataset folder is missing', { cause: error });
  });
  const optional = (name: string, min: number): number | undefined => integerFlag(values, name, { min });
  const [epochs, inputSize, batchSize, trainItems, evalImages] = [optional('epochs', 1), optional('input-size', 16), optional('batch-size', 1), optional('max-images', 1), optional('eval-images', 0)];
  const config = resolveMicraNetFitConfig({
    dataset: requiredStringFlag(values, 'dataset'), dataRoot, fast: values.fast === true, seed: integerFlag(values, 'seed', { min: 0, fallback: 0 }),
    ...(epochs ? { epochs } : {}), ...(inputSize ? { inputSize } : {}), ...(batchSize ? { batchSize } : {}), ...(trainItems ? { trainItems } : {}),
    ...(evalImages === undefined ? {} : { evalImages }), ...(typeof values.classes === 'string' ? { classes: values.classes } : {}),
  });
  const out = await ensureOutputDir(requiredStringFlag(values, 'out'), '--out');
  io.stderr.write(`fit: MICRA-Net on ${config.dataset}, S = ${config.inputSize}, ${config.epochs} epochs, batch ${config.batchSize}, up to ${config.trainItems} training items\n`);
  const result = await runMicraNetFit(config, { out, onProgress: createProgressBar(io), onStage: fitStagePrinter(io) });
  const { micranet } = result.metrics.summary;
  const interval = micranet.intervals ? ` [${percent(micranet.intervals.meanIou.low)}, ${percent(micranet.intervals.meanIou.high)}]` : '';
  const training = result.info.training!;
  io.stdout.write(`MICRA-Net: best validation loss ${training.bestValidationLoss.toFixed(4)} at epoch ${training.bestEpoch + 1} of ${training.epochs}\n`);
  io.stdout.write(`held-back ${result.metrics.images} image(s): MICRA-Net IoU ${percent(micranet.meanIou)}${interval}, Dice ${percent(micranet.meanDice)}\n`);
  io.stdout.write(`wrote ${join(out, 'model.json')}\n`);
  return 0;
}
