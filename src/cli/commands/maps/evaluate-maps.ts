import { invalid } from '../../../core/index.js';
import { readMapEvalConfig, runMapEvaluation, writeMapEvaluation } from '../../../pipeline/index.js';
import { commandLine, type CliIo, type Command, type ParsedArgs } from '../../command.js';
import { ensureOutputDir } from '../../output-dir.js';
import { createProgressBar } from '../../progress-bar.js';

const usage = `Usage: explainseg evaluate-maps --config FILE [--datasets NAME,NAME]

Scores every map source before any cut (issue 14, section 1): for each dataset in FILE, a seeded subset of one
part of the head's split ("part": "development", the images the head trained or validated on, where settings
are chosen; or "test"), and for each map source (relevance and fused for each named explanation setting, the
ViT feature maps cls-attention, head-attention, token-norm and pca, patch-logits (the head on every patch
token), token-head, and the references centre-prior, intensity-bright, intensity-dark) the pixel ROC AUC
against the mask and the pointing game, as means over images with 95% bootstrap intervals. Writes maps.md,
maps.csv, maps.json and run.json into the config's "out" folder; resumable per image. See
docs/maps.json for an example config. --datasets keeps only the named datasets of FILE (one at a time on a
busy machine; each writes into its own folder under "out", so later runs resume).`;

async function run(args: ParsedArgs, io: CliIo): Promise<number> {
  const startedAt = new Date();
  const path = args.values.config;
  if (typeof path !== 'string') throw invalid('a map evaluation config file', '--config', path);
  const all = await readMapEvalConfig(path);
  const only = typeof args.values.datasets === 'string' ? args.values.datasets.split(',') : undefined;
  const unknown = only?.filter((name) => !all.datasets.some((d) => d.name === name)) ?? [];
  if (unknown.length > 0) throw invalid(`names of datasets in ${path} (${all.datasets.map((d) => d.name).join(', ')})`, '--datasets', unknown.join(','));
  const config = only ? { ...all, datasets: all.datasets.filter((d) => only.includes(d.name)) } : all;
  await ensureOutputDir(config.out, 'out in the map evaluation config');
  io.stderr.write(`evaluate-maps: ${config.datasets.map((d) => `${d.name} (${d.part}, ${d.limit})`).join(', ')}; explanations ${Object.keys(config.explanations).join(', ') || 'none'}\n`);
  const results = await runMapEvaluation(config, createProgressBar(io));
  const markdown = await writeMapEvaluation(config, results, { command: commandLine('evaluate-maps', args), startedAt });
  io.stdout.write(`${markdown}\nWritten to ${config.out}\n`);
  return results.some((r) => r.failed.length > 0) ? 1 : 0;
}

export const evaluateMapsCommand: Command = {
  name: 'evaluate-maps',
  summary: 'score relevance, feature and reference maps against the masks (ROC AUC, pointing game)',
  usage,
  options: { config: { type: 'string' }, datasets: { type: 'string' } },
  run,
};
