import { access } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { InputFileError, invalid } from '../../../core/index.js';
import { BACKBONE_KINDS } from '../../../backbone/index.js';
import { CUE_NAMES } from '../../../cues/index.js';
import { DATASET_KINDS } from '../../../data/index.js';
import { resolveFitConfig, runFit, STUDENT_TEACHERS } from '../../../pipeline/index.js';
import type { Command, ParsedArgs } from '../../command.js';
import { backboneFlag, choiceFlag, integerFlag, requiredStringFlag, resolveBackboneWeights } from '../../flags.js';
import { ensureOutputDir } from '../../output-dir.js';
import { fitStagePrinter, MICRANET_FIT_FLAGS, micranetFitUsage, percent, runMicraNetFitCommand } from './fit-micranet.js';
import { createProgressBar } from '../../progress-bar.js';

/** What `fit` can train: the ExplainSeg student, or the MICRA-Net baseline. */
export const FIT_METHODS = ['student', 'micranet'] as const;

const usage = `Usage: explainseg fit --dataset KIND --data DIR --out MODEL_DIR [--fast] [--weights FILE] [options]
       explainseg fit --method micranet --dataset KIND --data DIR --out MODEL_DIR [--fast] [options]

From a labelled folder to a segmenter (issue 14): train the classification head (image labels only; for
kvasir-seg and monuseg patch labels from the masks, as the paper does), train the token-head teacher, make
pseudo-masks of the training images from the teacher's map (one forward pass each) fused with label-free
image cues, train the student (a per-token head on the patch tokens) on confident tokens, and score it on
the held-back part of the head's split. Masks are the student's map fused with image cues; which cues, and
how they are cut, is the dataset's preset (docs/results.md, "ExplainSeg-ST") unless --cues/--cut say. Writes MODEL_DIR/model.json, head.json, student.json, metrics.json,
run.json (and the head's report files, teacher/, pseudo-masks/). Every stage is resumable: run the same
command again after an interruption. Then: explainseg segment IMAGE... --model MODEL_DIR --out DIR.

Options:
  --method NAME       ${FIT_METHODS.join(' | ')} (default student: ExplainSeg-ST)
  --dataset KIND      ${DATASET_KINDS.join(' | ')}
  --data DIR          the dataset folder
  --out MODEL_DIR     the model folder to write
  --weights FILE      backbone weights; default EXPLAINSEG_WEIGHTS, then the cache (MobileNetV2: its .npy folder)
  --backbone KIND     ${BACKBONE_KINDS.join(' | ')} (default: what the weights hold; a different kind is an error);
                      with mobilenetv2 the student reads the last 7 x 7 feature map as its tokens
  --fast              seeded subsets and fewer epochs (under 10 minutes for Kvasir-SEG on 2 cores)
  --teacher KIND      ${STUDENT_TEACHERS.join(' | ')} (default token-head)
  --rounds N          1 (default) | 2 (the second learns from the student's own masks after CRF)
  --hidden N          0: logistic regression per token (default); N: an MLP of N hidden units
  --max-images N      training images the student learns from (seeded subset)
  --eval-images N     held-back images scored at the end
  --corrections RUN   a segment run reviewed in 'explainseg view': training images with an accepted correction
                      (RUN/corrected/ID.png) learn from it instead of the teacher's pseudo-mask
  --cues W            the masks' cue weights, e.g. student=1,prior=0.5,contrast=1; cues: ${CUE_NAMES.join(', ')}
  --teacher-cues W    the pseudo-masks' cue weights (the same names but student)
  --cut RULE          otsu | the fraction of the image kept as foreground, e.g. 0.2 (the masks' cut)
  --seed S            seed of split, subsets and training (default 0)

${micranetFitUsage}`;

/** 'a=1,b=0.5' as cue weights; a weight that is not a number is refused with the flag's name. */
export function parseCueWeights(text: string, flag: string): Record<string, number> {
  const entries = text.split(',').filter((part) => part.trim() !== '').map((part) => {
    const [name, weight, extra] = part.split('=').map((piece) => piece.trim());
    const value = Number(weight);
    if (!name || weight === undefined || weight === '' || extra !== undefined || !Number.isFinite(value)) throw invalid('NAME=WEIGHT pairs separated by commas', flag, text);
    return [name, value] as const;
  });
  if (entries.length === 0) throw invalid('NAME=WEIGHT pairs separated by commas', flag, text);
  return Object.fromEntries(entries);
}

function parseCut(text: string): 'otsu' | number {
  if (text === 'otsu') return 'otsu';
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value)) throw invalid("'otsu' or a fraction in (0, 1)", '--cut', text);
  return value;
}

const options = {
  dataset: { type: 'string' }, data: { type: 'string' }, out: { type: 'string' }, weights: { type: 'string' },
  fast: { type: 'boolean' }, teacher: { type: 'string' }, rounds: { type: 'string' }, hidden: { type: 'string' },
  'max-images': { type: 'string' }, 'eval-images': { type: 'string' }, seed: { type: 'string' }, corrections: { type: 'string' },
  cues: { type: 'string' }, 'teacher-cues': { type: 'string' }, cut: { type: 'string' },
  method: { type: 'string' }, backbone: { type: 'string' }, ...Object.fromEntries(MICRANET_FIT_FLAGS.map((flag) => [flag, { type: 'string' }])),
} as const;

async function resolveArgs(args: ParsedArgs, env: NodeJS.ProcessEnv) {
  const { values } = args;
  for (const flag of MICRANET_FIT_FLAGS) if (values[flag] !== undefined) throw invalid('this flag only with --method micranet', `--${flag}`, values[flag]);
  const dataRoot = resolve(requiredStringFlag(values, 'data'));
  await access(dataRoot).catch((error: unknown) => {
    throw new InputFileError(dataRoot, 'the dataset folder is missing', { cause: error });
  });
  const backbone = backboneFlag(values);
  const teacher = choiceFlag(values, 'teacher', STUDENT_TEACHERS);
  const rounds = integerFlag(values, 'rounds', { min: 1, max: 2 }) as 1 | 2 | undefined;
  const hidden = integerFlag(values, 'hidden', { min: 0 });
  const maxImages = integerFlag(values, 'max-images', { min: 1 });
  const evalImages = integerFlag(values, 'eval-images', { min: 0 });
  const config = resolveFitConfig({
    dataset: requiredStringFlag(values, 'dataset'), dataRoot, weightsPath: await resolveBackboneWeights(values, env, backbone), ...(backbone ? { backbone } : {}),
    fast: values.fast === true, seed: integerFlag(values, 'seed', { min: 0, fallback: 0 }),
    student: {
      ...(teacher ? { teacher } : {}), ...(rounds ? { rounds } : {}), ...(hidden === undefined ? {} : { hidden }),
      ...(typeof values.cues === 'string' ? { cues: parseCueWeights(values.cues, '--cues') } : {}),
      ...(typeof values['teacher-cues'] === 'string' ? { teacherCues: parseCueWeights(values['teacher-cues'], '--teacher-cues') } : {}),
      ...(typeof values.cut === 'string' ? { cut: parseCut(values.cut) } : {}),
    },
    ...(maxImages ? { maxImages } : {}), ...(evalImages === undefined ? {} : { evalImages }),
    ...(typeof values.corrections === 'string' ? { corrections: resolve(values.corrections) } : {}),
  });
  const out = await ensureOutputDir(requiredStringFlag(values, 'out'), '--out');
  return { config, out };
}


export const fitCommand: Command = {
  name: 'fit',
  summary: 'from a labelled folder to a segmenter: head, teacher, pseudo-masks, student; resumable',
  usage,
  options,
  async run(args, io) {
    if (args.positionals.length > 0) throw invalid('no positional arguments', 'fit', args.positionals.join(' '));
    if (choiceFlag(args.values, 'method', FIT_METHODS) === 'micranet') return runMicraNetFitCommand(args, io);
    const { config, out } = await resolveArgs(args, io.env);
    const result = await runFit(config, { out, onProgress: createProgressBar(io), onStage: fitStagePrinter(io) });
    const { student, teacher } = result.metrics.summary;
    const interval = student.intervals ? ` [${percent(student.intervals.meanIou.low)}, ${percent(student.intervals.meanIou.high)}]` : '';
    io.stdout.write(`held-back ${result.metrics.images} image(s): student IoU ${percent(student.meanIou)}${interval}, Dice ${percent(student.meanDice)}; teacher pseudo-masks IoU ${percent(teacher.meanIou)}\n`);
    io.stdout.write(`wrote ${join(out, 'model.json')}\n`);
    return 0;
  },
};
