import { join, resolve } from 'node:path';
import { ensureOneOf, invalid } from '../../core/index.js';
import { DATASET_KINDS, type LoadDatasetOptions } from '../../data/index.js';
import type { ClassificationReport } from '../../head/index.js';
import { FINETUNE_DEFAULTS, FINETUNE_SCHEDULES, trainHeadOnDataset, writeTrainingRun, type FinetuneRunSettings, type TrainHeadRunConfig } from '../../pipeline/index.js';
import { FEATURE_KINDS } from '../../head/index.js';
import type { Command, ParsedArgs } from '../command.js';
import { backboneFlag, choiceFlag, integerFlag, numberFlag, requiredStringFlag, resolveBackboneWeights, stringFlag, type FlagValues } from '../flags.js';
import { ensureOutputDir } from '../output-dir.js';
import { createProgressBar } from '../progress-bar.js';

const usage = `Usage: explainseg train --dataset KIND --data DIR --out DIR [--weights FILE] [options]

Train the linear classification head on frozen backbone features (paper Sec. 3.2): the ViT's CLS token,
or MobileNetV2's pooled feature (--backbone mobilenetv2 --weights DIR). On a ViT, --finetune-blocks N
fine-tunes the last N blocks, the final norm and the head together instead. Writes head.json, report.json,
report.md, learning-curves.svg and run.json into --out (fine-tuning also writes
finetuned-blocks.safetensors, which head.json needs, and checkpoint.safetensors after every epoch: run the
same command again after an interruption to resume).

Options:
  --dataset KIND         ${DATASET_KINDS.join(' | ')}
  --data DIR             the dataset folder
  --weights FILE         ViT weights (.pth, .safetensors, .npy); default EXPLAINSEG_WEIGHTS, then the cache;
                         for MobileNetV2 the folder of .npy files (required), e.g. /path/to/mobilenetv2-imagenet
  --backbone KIND        vit-dino | dinov2 | mobilenetv2 (default: what the weights hold; a different kind is an error)
  --out DIR              run folder to write
  --epochs N             head training epochs (default 100, with early stopping on validation)
  --lr X                 initial SGD learning rate (default 0.005)
  --batch-size N         SGD mini-batch of the head (default 32)
  --monitor WHAT         early stopping on validation loss (default) | balancedAccuracy (imbalanced sets)
  --feature KIND         cls (default) | clsLast4 (ViT only)
  --augment-epochs K     extract K augmented copies of the training set (default 0: none)
  --seed S               seed of split, subsampling, augmentation and SGD (default 0)
  --limit N              use only the first N images (quick runs)
  --max-items N          keep a seeded random subset of N items (patch sets have thousands)
  --skip-bad             skip unreadable or unlabelled files with a warning instead of failing
  --labels binary|three  PH2 labels (default binary: nevus vs melanoma)
  --patch-size N         patch side for kvasir-seg and monuseg (default: a quarter of the short side / 32)
  --input-size N         backbone input side (default: the size the weights were trained at; MobileNetV2: 224,
                         a multiple of 32)

Fine-tuning (paper Sec. 3.2; --epochs, --lr, --batch-size and --monitor apply too):
  --finetune-blocks N    fine-tune the last N ViT blocks with the head (default 0: frozen backbone)
  --block-lr-factor X    the blocks' learning rate as a fraction of the head's (default ${FINETUNE_DEFAULTS.blockLrFactor})
  --schedule KIND        step (x${FINETUNE_DEFAULTS.gamma} every ${FINETUNE_DEFAULTS.stepEvery} epochs, default) | cosine
  --patience N           stop after N epochs without validation improvement (default ${FINETUNE_DEFAULTS.patience})
  --min-epochs N         never stop before N epochs (default ${FINETUNE_DEFAULTS.minEpochs})
  --no-augment           no random resized crop, flip, colour jitter or rotation (the frozen blocks then run once)
  --init-head FILE       start from this head.json (a linear probe of the same weights: LP-FT) instead of a random head`;

const options = {
  dataset: { type: 'string' },
  data: { type: 'string' },
  weights: { type: 'string' },
  backbone: { type: 'string' },
  out: { type: 'string' },
  epochs: { type: 'string' },
  lr: { type: 'string' },
  'batch-size': { type: 'string' },
  feature: { type: 'string' },
  monitor: { type: 'string' },
  'augment-epochs': { type: 'string' },
  seed: { type: 'string' },
  limit: { type: 'string' },
  'max-items': { type: 'string' },
  'skip-bad': { type: 'boolean' },
  labels: { type: 'string' },
  'patch-size': { type: 'string' },
  'input-size': { type: 'string' },
  'finetune-blocks': { type: 'string' },
  'block-lr-factor': { type: 'string' },
  schedule: { type: 'string' },
  patience: { type: 'string' },
  'min-epochs': { type: 'string' },
  'no-augment': { type: 'boolean' },
  'init-head': { type: 'string' },
} as const;

const FINETUNE_ONLY = ['block-lr-factor', 'schedule', 'patience', 'min-epochs', 'no-augment', 'init-head'] as const;

/** The fine-tuning settings from the flags; undefined for --finetune-blocks 0, where the fine-tuning flags are refused. */
export function finetuneSettings(values: FlagValues): FinetuneRunSettings | undefined {
  const blocks = integerFlag(values, 'finetune-blocks', { min: 0, fallback: 0 });
  if (blocks === 0) {
    const stray = FINETUNE_ONLY.find((name) => values[name] !== undefined);
    if (stray) throw invalid('--finetune-blocks >= 1', `--${stray}`, '--finetune-blocks 0');
    return undefined;
  }
  const blockLrFactor = numberFlag(values, 'block-lr-factor', { min: 0 });
  const schedule = choiceFlag(values, 'schedule', FINETUNE_SCHEDULES);
  const patience = integerFlag(values, 'patience', { min: 1 });
  const minEpochs = integerFlag(values, 'min-epochs', { min: 1 });
  const initHead = stringFlag(values, 'init-head');
  return {
    blocks,
    ...(blockLrFactor === undefined ? {} : { blockLrFactor }), ...(schedule === undefined ? {} : { schedule }),
    ...(patience === undefined ? {} : { patience }), ...(minEpochs === undefined ? {} : { minEpochs }),
    ...(values['no-augment'] === true ? { augment: false } : {}), ...(initHead ? { initHead: resolve(initHead) } : {}),
  };
}

/** Dataset adapter options from the flags; PH2's labels and the patch size only apply where they mean something. */
function datasetOptions(values: FlagValues): LoadDatasetOptions {
  const labels = stringFlag(values, 'labels');
  const limit = integerFlag(values, 'limit', { min: 1 });
  const patchSize = integerFlag(values, 'patch-size', { min: 1 });
  return {
    ...(limit === undefined ? {} : { limit }),
    ...(values['skip-bad'] === true ? { skipBad: true } : {}),
    ...(labels === undefined ? {} : { labels: ensureOneOf(labels, '--labels', ['binary', 'three'] as const) }),
    ...(patchSize === undefined ? {} : { size: patchSize }),
  };
}

/**
 * Flags to the resolved run config; weights by --weights, else EXPLAINSEG_WEIGHTS, else the cache, else a
 * clear error (MobileNetV2: --weights only, see resolveBackboneWeights).
 */
export async function resolveTrainConfig(args: ParsedArgs, env: NodeJS.ProcessEnv): Promise<{ config: TrainHeadRunConfig; outDir: string }> {
  const { values } = args;
  if (args.positionals.length > 0) throw invalid('no positional arguments', 'train', args.positionals.join(' '));
  const dataset = ensureOneOf(requiredStringFlag(values, 'dataset'), '--dataset', DATASET_KINDS);
  const dataRoot = resolve(requiredStringFlag(values, 'data'));
  const outDir = await ensureOutputDir(requiredStringFlag(values, 'out'), '--out');
  const backbone = backboneFlag(values);
  const weightsPath = await resolveBackboneWeights(values, env, backbone);
  const lr = numberFlag(values, 'lr', { min: Number.MIN_VALUE });
  const epochs = integerFlag(values, 'epochs', { min: 1 });
  const batchSize = integerFlag(values, 'batch-size', { min: 1 });
  const inputSize = integerFlag(values, 'input-size', { min: 1 });
  const maxItems = integerFlag(values, 'max-items', { min: 2 });
  const monitor = stringFlag(values, 'monitor');
  const finetune = finetuneSettings(values);
  const config: TrainHeadRunConfig = {
    dataset, dataRoot, weightsPath, ...(backbone ? { backbone } : {}),
    featureKind: ensureOneOf(stringFlag(values, 'feature') ?? 'cls', '--feature', FEATURE_KINDS),
    augmentEpochs: integerFlag(values, 'augment-epochs', { min: 0, fallback: 0 }),
    seed: integerFlag(values, 'seed', { min: 0, fallback: 0 }),
    datasetOptions: datasetOptions(values),
    ...(epochs === undefined ? {} : { epochs }),
    ...(lr === undefined ? {} : { lr }),
    ...(batchSize === undefined ? {} : { batchSize }),
    ...(inputSize === undefined ? {} : { inputSize }),
    ...(maxItems === undefined ? {} : { maxItems }),
    ...(monitor === undefined ? {} : { monitor: ensureOneOf(monitor, '--monitor', ['loss', 'balancedAccuracy'] as const) }),
    ...(finetune ? { finetune } : {}),
  };
  if (backbone === 'mobilenetv2' && config.featureKind !== 'cls') throw invalid('cls with --backbone mobilenetv2 (its pooled feature)', '--feature', config.featureKind);
  if (backbone === 'mobilenetv2' && finetune) throw invalid('0 with --backbone mobilenetv2 (fine-tuning needs a ViT)', '--finetune-blocks', String(finetune.blocks));
  if (finetune && config.featureKind !== 'cls') throw invalid(`cls with --finetune-blocks ${finetune.blocks}`, '--feature', config.featureKind);
  if (finetune && config.augmentEpochs !== 0) throw invalid(`0 with --finetune-blocks ${finetune.blocks} (fine-tuning augments every epoch)`, '--augment-epochs', String(config.augmentEpochs));
  return { config, outDir };
}

function summaryLine(part: string, report: ClassificationReport | null): string {
  if (!report) return `${part}: no items\n`;
  const auc = report.rocAuc === null ? 'n/a' : report.rocAuc.toFixed(3);
  return `${part}: accuracy ${report.accuracy.toFixed(3)}, balanced accuracy ${report.balancedAccuracy.toFixed(3)}, ROC AUC ${auc}\n`;
}

export const trainCommand: Command = {
  name: 'train',
  summary: 'train the classification head on frozen backbone features (ViT or MobileNetV2), or fine-tune the last ViT blocks with it',
  usage,
  options,
  async run(args, io) {
    const { config, outDir } = await resolveTrainConfig(args, io.env);
    const run = await trainHeadOnDataset(config, createProgressBar(io), config.finetune ? { checkpointDir: outDir } : {});
    for (const warning of run.dataset.warnings) io.stderr.write(`skipped ${warning.file}: ${warning.problem}\n`);
    await writeTrainingRun(outDir, run);
    io.stdout.write(summaryLine('validation', run.result.report));
    io.stdout.write(summaryLine('test', run.result.testReport));
    const extra = run.result.finetuned ? ', finetuned-blocks.safetensors, checkpoint.safetensors' : '';
    io.stdout.write(`wrote ${join(outDir, 'head.json')} (and report.json, report.md, learning-curves.svg, run.json${extra})\n`);
    return 0;
  },
};

export default trainCommand;
