import { resolve } from 'node:path';
import { ensureOneOf, invalid } from '../../core/index.js';
import { EMPTY_GROUND_TRUTH_RULES } from '../../metrics/index.js';
import { evaluateMaskFolders, evaluationSummaryJson, evaluationSummaryText, writeEvaluationReport, type EvaluateMasksOptions, type PairMaskOptions } from '../../pipeline/index.js';
import type { Command, ParsedArgs } from '../command.js';
import { integerFlag, numberFlag, requiredStringFlag, stringFlag } from '../flags.js';
import { ensureOutputDir } from '../output-dir.js';
import { createProgressBar } from '../progress-bar.js';

const usage = `Usage: explainseg evaluate --pred DIR --gt DIR [--out DIR] [options]

Score predicted masks against ground-truth masks, paired by file stem (Kvasir-SEG's JPEG masks are cut
at 127). Prints mean IoU / Dice over images with bootstrap intervals, pooled IoU / Dice and two-class mIoU;
with --out, writes scores.csv (one row per image), summary.json and summary.md.

Options:
  --pred DIR             predicted masks (PNG; nonzero = foreground), or a 'segment' run folder (ID/mask.png)
  --gt DIR               ground-truth masks
  --out DIR              folder for scores.csv, summary.json, summary.md (default: print only)
  --pred-suffix S        strip S from the end of prediction stems (e.g. _pred pairs a_pred.png with a.jpg)
  --gt-suffix S          strip S from the end of ground-truth stems (e.g. _lesion)
  --empty-gt RULE        one-if-empty-prediction (default: an empty prediction on an empty ground truth
                         scores 1, anything else 0) | skip (leave such images out of the means)
  --resamples N          bootstrap resamples for the 95% intervals (default 1000; 0 turns them off)
  --seed S               bootstrap seed (default 0)
  --resize-pred          resize predictions to the ground-truth size (nearest neighbour) instead of failing
  --threshold T          binarise predictions above T of full scale (e.g. 0.5); without it a soft or 16-bit map
                         given as a prediction is refused instead of scored as mostly foreground
  --corrected            in a run folder, score a reviewer's accepted correction (corrected/ID.png) where one exists
  --json                 print summary.json to stdout instead of the text summary`;

const options = {
  pred: { type: 'string' },
  gt: { type: 'string' },
  out: { type: 'string' },
  'pred-suffix': { type: 'string' },
  'gt-suffix': { type: 'string' },
  'empty-gt': { type: 'string' },
  resamples: { type: 'string' },
  seed: { type: 'string' },
  'resize-pred': { type: 'boolean' },
  threshold: { type: 'string' },
  corrected: { type: 'boolean' },
  json: { type: 'boolean' },
} as const;

export interface EvaluateCliConfig {
  readonly predDir: string;
  readonly gtDir: string;
  readonly outDir: string | null;
  readonly json: boolean;
  readonly options: EvaluateMasksOptions & PairMaskOptions;
}

/** Flags to the evaluation config; every bad value is a usage error that names its flag. */
export function resolveEvaluateConfig(args: ParsedArgs): EvaluateCliConfig {
  const { values } = args;
  if (args.positionals.length > 0) throw invalid('no positional arguments', 'evaluate', args.positionals.join(' '));
  const resamples = integerFlag(values, 'resamples', { min: 0 });
  const seed = integerFlag(values, 'seed', { min: 0, max: 2 ** 32 - 1 });
  const emptyGt = stringFlag(values, 'empty-gt');
  const predSuffix = stringFlag(values, 'pred-suffix');
  const gtSuffix = stringFlag(values, 'gt-suffix');
  const out = stringFlag(values, 'out');
  const threshold = numberFlag(values, 'threshold', { min: 0, max: 1 });
  return {
    predDir: resolve(requiredStringFlag(values, 'pred')),
    gtDir: resolve(requiredStringFlag(values, 'gt')),
    outDir: out === undefined || out === '' ? null : resolve(out),
    json: values.json === true,
    options: {
      ...(emptyGt === undefined ? {} : { emptyGroundTruth: ensureOneOf(emptyGt, '--empty-gt', EMPTY_GROUND_TRUTH_RULES) }),
      ...(resamples === undefined ? {} : { bootstrapResamples: resamples }),
      ...(seed === undefined ? {} : { seed }),
      ...(predSuffix === undefined ? {} : { predSuffix }),
      ...(gtSuffix === undefined ? {} : { gtSuffix }),
      resizePred: values['resize-pred'] === true,
      preferCorrected: values.corrected === true,
      ...(threshold === undefined ? {} : { threshold }),
    },
  };
}

export const evaluateCommand: Command = {
  name: 'evaluate',
  summary: 'score predicted masks against ground truth (IoU, Dice, bootstrap intervals)',
  usage,
  options,
  async run(args, io) {
    const config = resolveEvaluateConfig(args);
    if (config.outDir !== null) await ensureOutputDir(config.outDir, '--out');
    const evaluation = await evaluateMaskFolders(config.predDir, config.gtDir, { ...config.options, onProgress: createProgressBar(io) });
    const sources = { predDir: config.predDir, gtDir: config.gtDir };
    const summary = evaluationSummaryJson(evaluation, sources);
    io.stdout.write(config.json ? `${JSON.stringify(summary, null, 2)}\n` : evaluationSummaryText(summary));
    if (config.outDir !== null) {
      const paths = await writeEvaluationReport(config.outDir, evaluation, sources);
      io.stderr.write(`wrote ${paths.scores}, ${paths.json}, ${paths.markdown}\n`);
    }
    return 0;
  },
};

export default evaluateCommand;
