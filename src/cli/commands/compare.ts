import { invalid, writeRunManifest } from '../../core/index.js';
import { readCompareConfig } from '../../pipeline/compare-config.js';
import { scoreComparison, writeComparison } from '../../pipeline/compare-report.js';
import { runComparison } from '../../pipeline/compare-run.js';
import { resolveConfig } from '../../pipeline/presets.js';
import { describeConfig } from '../../pipeline/segment-run.js';
import type { CliIo, Command, ParsedArgs } from '../command.js';
import { createProgressBar } from '../progress-bar.js';

const usage = `Usage: explainseg compare --config FILE

Runs the four variants, the baselines (TokenCut, MaskCut) and the trivial references (centred ellipse, Otsu on
intensity) on fixed, seeded subsets of each dataset in FILE, scores them against the ground truth and writes
comparison.md (Table 1 and Table 2 of the paper), comparison.csv, comparison.json and run.json into the
config's "out" folder, plus every predicted mask under OUT/DATASET/masks/METHOD/. Resumable: images already
scored under the same config are not recomputed. See docs/compare.json for an example config.`;

async function run(args: ParsedArgs, io: CliIo): Promise<number> {
  const started = new Date();
  const path = args.values.config;
  if (typeof path !== 'string') throw invalid('a compare config file', '--config', path);
  const config = await readCompareConfig(path);
  const shared = resolveConfig('xncut', config.pipeline);
  io.stderr.write(`compare: ${config.datasets.map((d) => `${d.name} (${d.limit})`).join(', ')}; ${describeConfig(shared)}\n`);
  const results = await runComparison(config, createProgressBar(io));
  const scores = scoreComparison(results, config);
  const command = `explainseg compare --config ${path}`;
  const e = shared.explain;
  const markdown = await writeComparison(config.out, results, scores, {
    command,
    setup: [
      `backbone: ${config.weights}`,
      `explanation: Integrated Gradients (${e.method}, ${e.nSteps} steps, ${e.baseline} baseline) x NoiseTunnel (${e.ntType}, ${e.ntSamples} samples, stdev ${e.stdevs}), seed ${config.seed}`,
      `variants: ${config.variants.join(', ')}; DenseCRF ${shared.crf.enabled ? `on (${shared.crf.iterations} iterations, at most ${shared.crf.maxSide} px)` : 'off'}`,
      `baselines: ${config.baselines.join(', ')}; MaskCut at ${config.maskCutInputSize}x${config.maskCutInputSize}`,
      ...config.datasets.filter((d) => d.pipeline).map((d) => `${d.name} overrides: ${JSON.stringify(d.pipeline)}`),
    ],
  });
  await writeRunManifest(config.out, {
    command, config, seed: config.seed, startedAt: started,
    weightFiles: { backbone: config.weights, ...Object.fromEntries(config.datasets.map((d) => [`head:${d.name}`, d.head])) },
    timingsMs: { total: Date.now() - started.getTime() },
  });
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
