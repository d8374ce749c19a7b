import { join, resolve } from 'node:path';
import { ensureOneOf, invalid } from '../../../core/index.js';
import { resolveWeightsPath } from '../../../backbone/weights/index.js';
import { DATASET_KINDS } from '../../../data/index.js';
import { trainTokenHeadRun, type TokenHeadRunConfig } from '../../../pipeline/index.js';
import type { Command, ParsedArgs } from '../../command.js';
import { integerFlag, requiredStringFlag, weightsSearch } from '../../flags.js';
import { ensureOutputDir } from '../../output-dir.js';
import { createProgressBar } from '../../progress-bar.js';

const usage = `Usage: explainseg train-token-head --dataset KIND --data DIR --head HEAD.json --out DIR [--weights FILE] [options]

Trains a multiple-instance token head: a linear classifier on the last-layer patch tokens whose per-class
top-k mean over the image's tokens is fitted to the image label (Kvasir-SEG and MoNuSeg: the mask-derived
patch labels the head was trained on, the paper's protocol). It uses the items of the parts split.json beside
HEAD.json records (train; validation for early stopping), never the test part, and writes token-head.json,
report.json and run.json into --out. Score its maps with evaluate-maps ("tokenHead" in the config).

Options:
  --top-k K        tokens averaged per class when pooling (default 8; 1 = max pooling)
  --epochs N       Adam epochs, early stopping on validation loss (default 40)
  --max-items N    at most N training bags, seeded (default 800; a quarter as many validation bags)
  --seed S         default 0`;

const options = {
  dataset: { type: 'string' },
  data: { type: 'string' },
  head: { type: 'string' },
  weights: { type: 'string' },
  out: { type: 'string' },
  'top-k': { type: 'string' },
  epochs: { type: 'string' },
  'max-items': { type: 'string' },
  seed: { type: 'string' },
} as const;

async function resolveConfig(args: ParsedArgs, env: NodeJS.ProcessEnv): Promise<TokenHeadRunConfig> {
  const { values } = args;
  if (args.positionals.length > 0) throw invalid('no positional arguments', 'train-token-head', args.positionals.join(' '));
  const weights = await resolveWeightsPath(weightsSearch(values, env));
  return {
    dataset: ensureOneOf(requiredStringFlag(values, 'dataset'), '--dataset', DATASET_KINDS),
    dataRoot: resolve(requiredStringFlag(values, 'data')),
    headPath: resolve(requiredStringFlag(values, 'head')),
    weightsPath: resolve(weights.path),
    out: await ensureOutputDir(requiredStringFlag(values, 'out'), '--out'),
    topK: integerFlag(values, 'top-k', { min: 1, fallback: 8 }),
    epochs: integerFlag(values, 'epochs', { min: 1, fallback: 40 }),
    maxItems: integerFlag(values, 'max-items', { min: 1, fallback: 800 }),
    seed: integerFlag(values, 'seed', { min: 0, fallback: 0 }),
  };
}

export const trainTokenHeadCommand: Command = {
  name: 'train-token-head',
  summary: 'train a multiple-instance token head on patch tokens from image labels (token maps)',
  usage,
  options,
  async run(args, io) {
    const config = await resolveConfig(args, io.env);
    const run = await trainTokenHeadRun(config, createProgressBar(io));
    const last = run.training.history[run.training.bestEpoch];
    io.stdout.write(`bags: ${run.bags.train} train / ${run.bags.val} validation; kept epoch ${run.training.bestEpoch + 1} (train loss ${last?.trainLoss.toFixed(4)}, validation loss ${last?.valLoss?.toFixed(4) ?? 'n/a'})\n`);
    io.stdout.write(`wrote ${join(config.out, 'token-head.json')} (and report.json, run.json)\n`);
    return 0;
  },
};
