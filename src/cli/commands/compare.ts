import { invalid } from '../../core/index.js';
import { describeConfig, ensureCompetitorModels, readCompareConfig, resolveCompareHeads, resolveConfig, runComparison, writeComparisonRun } from '../../pipeline/index.js';
import type { CliIo, Command, ParsedArgs } from '../command.js';
import { ensureOutputDir } from '../output-dir.js';
import { createProgressBar } from '../progress-bar.js';

const usage = `Usage: explainseg compare --config FILE

Runs the four variants, the competitors (TokenCut, MaskCut) and the trivial references (centred ellipse, Otsu on
intensity) on fixed, seeded subsets of each dataset in FILE, scores them against the ground truth and writes
comparison.md (Table 1 and Table 2 of the paper), comparison.csv, comparison.json and run.json into the
config's "out" folder, plus every predicted mask under OUT/DATASET/masks/METHOD/. Resumable: images already
scored under the same config are not recomputed. See docs/compare.json for an example config.`;

async function run(args: ParsedArgs, io: CliIo): Promise<number> {
  const startedAt = new Date();
  const path = args.values.config;
  if (typeof path !== 'string') throw invalid('a compare config file', '--config', path);
  const written = await readCompareConfig(path);
  await ensureOutputDir(written.out, 'out in the compare config');
  ensureCompetitorModels(written);
  const config = await resolveCompareHeads(written);
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
  options: { config: { type: 'string' } },
  run,
};
