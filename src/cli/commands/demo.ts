import { join } from 'node:path';
import { invalid } from '../../core/index.js';
import { DATASET_KINDS, PATCH_DATASET_LESION_CLASS, type DatasetKind } from '../../data/index.js';
import { defaultVariant, guessDatasetKind, resolveDemoWeights, runDemo, STAND_IN_WEIGHTS, type DemoResult } from '../../pipeline/index.js';
import { writeHtmlReport } from '../../viewer/index.js';
import { commandLine, type CliIo, type Command, type ParsedArgs } from '../command.js';
import { pipelineOptionSpecs, pipelineOptionsUsage, resolveCliConfig } from '../config-flags.js';
import { namedDataFolder, resolveDemoInputs } from '../demo-inputs.js';
import { choiceFlag, integerFlag, stringFlag, withoutEmptyFlags, type FlagValues } from '../flags.js';
import { ensureOutputDir } from '../output-dir.js';
import { createProgressBar } from '../progress-bar.js';

const DEFAULT_LIMIT = 12;
/** Head training items: a seeded subset keeps feature extraction to minutes on two cores (patch sets have thousands). */
const DEFAULT_TRAIN_ITEMS = 800;
const FAST_TRAIN_ITEMS = 300;

const usage = `Usage: explainseg demo [--fetch] [--data DIR] [--dataset KIND] [--weights FILE] [--out DIR] [--limit N] [--method M] [--variant V] [--fast] [pipeline options]

From a labelled folder to scored masks in one command. By default (--method student) it runs
'explainseg fit --fast' into OUT/model (head, token-head teacher, pseudo-masks fused with image cues,
student; a few minutes) and segments with the student ('segment --model'). With --method paper (or
--variant V) it trains the linear head (or reuses the one in OUT/head when it was trained on the same
weights, data and settings) and runs Algorithm 1 of the paper (explain, fuse, cut, DenseCRF).
Either way it segments a fixed seeded subset of images the head never trained on, scores them against
their masks (IoU, Dice) and writes OUT/report (index.html, summary.md, summary.json) and OUT/run.json.
Re-running with the same OUT resumes: finished stages and images are reused.
On patch datasets (kvasir-seg, monuseg) the head learns lesion vs background on patches and would call a
whole frame "background", so the paper's path explains the lesion class unless --explain-target names another.

Options:
  --fetch           fetch what is missing into the cache first ('explainseg weights fetch dino-vits16',
                    'explainseg data fetch KIND'), then run
  --data DIR        dataset folder with images/ and masks/; default EXPLAINSEG_DATA, then the cache
                    ('explainseg data fetch KIND' unpacks it there)
  --dataset KIND    ${DATASET_KINDS.join(' | ')} (default: guessed from the folder name, else kvasir-seg)
  --weights FILE    ViT weights; default EXPLAINSEG_WEIGHTS, then the cache ('explainseg weights fetch');
                    to try it out: --weights ${STAND_IN_WEIGHTS}
  --out DIR         output folder (default runs/demo-KIND)
  --limit N         images to segment and score (default ${DEFAULT_LIMIT})
  --method M        student (default: fit, then the student's masks) | paper (the head and a paper
                    variant; --variant, below, implies it)
  --train-items N   items the head trains on, a seeded subset (default ${DEFAULT_TRAIN_ITEMS}, ${FAST_TRAIN_ITEMS} with --fast)
  --threads N       onnxruntime threads (default 2)

${pipelineOptionsUsage}`;

/** --dataset, else the name of the folder given (--data or EXPLAINSEG_DATA), else kvasir-seg (the paper's own set). */
export function demoDatasetKind(values: FlagValues, dataRoot?: string): DatasetKind {
  return choiceFlag(withoutEmptyFlags(values), 'dataset', DATASET_KINDS) ?? (dataRoot === undefined ? undefined : guessDatasetKind(dataRoot)) ?? 'kvasir-seg';
}

function printResult(result: DemoResult, outDir: string, io: CliIo): void {
  const { summary } = result.evaluation;
  const score = (value: number): string => (Number.isFinite(value) ? value.toFixed(4) : 'n/a');
  const total = ((result.timingsMs.total ?? 0) / 1000).toFixed(1);
  io.stdout.write(`${result.segmentation.done.length} image(s) segmented (${result.segmentation.skipped} already done), ${result.segmentation.failed.length} failed; mean IoU ${score(summary.meanIou)}, mean Dice ${score(summary.meanDice)}; ${total}s\n`);
  for (const failure of result.segmentation.failed) io.stderr.write(`  failed: ${failure.source}: ${failure.message}\n`);
  io.stdout.write(`report: ${result.indexHtml ?? join(result.reportDir, 'index.html')}\nsummary: ${join(result.reportDir, 'summary.md')}\nopen it with: explainseg view ${join(outDir, 'report')}\n`);
}

async function run(args: ParsedArgs, io: CliIo): Promise<number> {
  const { positionals } = args;
  if (positionals.length > 0) throw invalid('no positional arguments', 'explainseg demo', positionals.join(' '));
  // The demo's own flags treat an empty string as not given; the pipeline flags keep their own rules.
  const values = withoutEmptyFlags(args.values);
  const dataset = demoDatasetKind(values, namedDataFolder(values, io.env));
  const outDir = await ensureOutputDir(stringFlag(values, 'out') ?? join('runs', `demo-${dataset}`), '--out');
  const config = await resolveCliConfig(args.values);
  if (values['explain-target'] === undefined && dataset in PATCH_DATASET_LESION_CLASS) {
    config.explain.target = PATCH_DATASET_LESION_CLASS[dataset as keyof typeof PATCH_DATASET_LESION_CLASS];
  }
  const onProgress = createProgressBar(io);
  const { weightsPath, dataRoot } = await resolveDemoInputs(values, io, {
    dataset, resolveWeights: resolveDemoWeights, onProgress, onFetch: (message) => io.stdout.write(`[fetch] ${message}\n`),
  });
  const threads = integerFlag(values, 'threads', { min: 1 });
  const method = choiceFlag(values, 'method', ['student', 'paper'] as const) ?? (values.variant === undefined ? 'student' : 'paper');
  const result = await runDemo({
    dataset, dataRoot, weightsPath, outDir, config, method,
    variant: stringFlag(values, 'variant') ?? defaultVariant,
    limit: integerFlag(values, 'limit', { min: 1, fallback: DEFAULT_LIMIT }),
    trainItems: integerFlag(values, 'train-items', { min: 1, fallback: values.fast === true ? FAST_TRAIN_ITEMS : DEFAULT_TRAIN_ITEMS }),
    ...(threads ? { threads } : {}),
    writeHtml: writeHtmlReport,
    command: commandLine('demo', args),
    onPhase: (event) => io.stdout.write(`[${event.phase}] ${event.message}\n`),
    onProgress,
  });
  printResult(result, outDir, io);
  return result.segmentation.failed.length > 0 ? 1 : 0;
}

export const demoCommand: Command = {
  name: 'demo',
  summary: 'the whole method on a dataset with defaults: train, segment, score, HTML report',
  usage,
  options: {
    fetch: { type: 'boolean' },
    data: { type: 'string' },
    dataset: { type: 'string' },
    weights: { type: 'string' },
    out: { type: 'string' },
    limit: { type: 'string' },
    method: { type: 'string' },
    'train-items': { type: 'string' },
    threads: { type: 'string' },
    ...pipelineOptionSpecs,
  },
  run,
};

export default demoCommand;
