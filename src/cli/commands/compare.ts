import { invalid } from '../../core/index.js';
import { describeConfig, ensureCompareBackbones, ensureCompetitorModels, readCompareConfig, resolveCompareHeads, resolveConfig, runComparison, writeComparisonRun } from '../../pipeline/index.js';
import type { CliIo, Command, ParsedArgs } from '../command.js';
import { backboneFlag } from '../flags.js';
import { ensureOutputDir } from '../output-dir.js';
import { createProgressBar } from '../progress-bar.js';

const usage = `Usage: explainseg compare --config FILE [--backbone KIND]

Runs the four variants, the competitors (TokenCut, MaskCut) and the trivial references (centred ellipse, Otsu on
intensity) on fixed, seeded subsets of each dataset in FILE, scores them against the ground truth and writes
comparison.md (Table 1 and Table 2 of the paper), comparison.csv, comparison.json and run.json into the
config's "out" folder, plus every predicted mask under OUT/DATASET/masks/METHOD/. Resumable: images already
scored under the same config are not recomputed. See docs/compare.json for an example config.

A dataset may name its backbone and weights: "backbone": "vit-dino" | "dinov2" | "mobilenetv2" (checked
against its head before any work) and "weights" (e.g. "/path/to/mobilenetv2-imagenet", the .npy folder;
default the config's "weights"). On MobileNetV2, TokenCut and MaskCut cut its last feature map's cells.

Options:
  --config FILE      the compare config (JSON)
  --backbone KIND    vit-dino | dinov2 | mobilenetv2 for every dataset that names none (checked against its head)`;

async function run(args: ParsedArgs, io: CliIo): Promise<number> {
  const startedAt = new Date();
  const path = args.values.config;
  if (typeof path !== 'string') throw invalid('a compare config file', '--config', path);
  const backbone = backboneFlag(args.values);
  const read = await readCompareConfig(path);
  const written = backbone ? { ...read, datasets: read.datasets.map((d) => (d.backbone ? d : { ...d, backbone })) } : read;
  await ensureOutputDir(written.out, 'out in the compare config');
  ensureCompetitorModels(written);
  const config = await resolveCompareHeads(written);
  await ensureCompareBackbones(config);
  io.stderr.write(`compare: ${config.datasets.map((d) => `${d.name} (${d.limit})`).join(', ')}; ${describeConfig(resolveConfig('xncut', config.pipeline))}\n`);
  const results = await runComparison(config, createProgressBar(io));
  const markdown = await writeComparisonRun(config, results, { command: `explainseg compare --config ${path}`, startedAt });
  io.stdout.write(`${markdown}\nWritten to ${config.out}\n`);
  return results.some((r) => r.failed.length > 0) ? 1 : 0;
}

export const compareCommand: Command = {
  name: 'compare',
  summary: 'run variants, baselines and references on dataset subsets; write Table 1 / Table 2',
  usage,
  options: { config: { type: 'string' }, backbone: { type: 'string' } },
  run,
};
