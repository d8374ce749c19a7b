/**
 * The run folder of a head training: head.json, report.json, report.md (the numbers a person reads first),
 * learning-curves.svg (train/val loss and val ROC AUC per epoch, shown in report.md), split.json (which source
 * images each part used) and run.json; with fine-tuning also the trained blocks (FINETUNED_BLOCKS_FILE),
 * written before head.json, which names them with their SHA-256.
 */
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { writeFileAtomic, writeJsonAtomic, writeRunManifest } from '../../core/index.js';
import { saveHead, type ClassificationReport, type EpochRecord } from '../../head/index.js';
import { lineChartSvg } from '../../render/index.js';
import { FINETUNED_BLOCKS_FILE, saveFinetunedBlocks } from '../model/index.js';
import type { TrainClassifierResult, TrainHeadRun } from '../training/index.js';

export const LEARNING_CURVES_FILE = 'learning-curves.svg';

const percent = (value: number | null | undefined): string => (value === null || value === undefined ? 'n/a' : `${(100 * value).toFixed(1)} %`);

function reportSection(title: string, report: ClassificationReport | null, classes: readonly string[]): string[] {
  if (!report) return [`## ${title}`, '', 'No items in this part.', ''];
  const header = `| true \\ predicted | ${classes.join(' | ')} |`;
  const rule = `| --- | ${classes.map(() => '---:').join(' | ')} |`;
  const rows = report.confusion.map((row, k) => `| ${classes[k]} | ${row.join(' | ')} |`);
  return [
    `## ${title}`, '',
    `- accuracy: ${percent(report.accuracy)}`, `- balanced accuracy: ${percent(report.balancedAccuracy)}`, `- ROC AUC: ${report.rocAuc === null ? 'n/a' : report.rocAuc.toFixed(3)}`,
    '', header, rule, ...rows, '',
  ];
}

/** The run as a short Markdown page a person reads first; report.json holds the same numbers. */
export function formatTrainingReport(run: TrainHeadRun): string {
  const { dataset, result } = run;
  const counts = `${result.split.train.length} train / ${result.split.val.length} validation / ${result.split.test.length} test`;
  return [
    `# Head training: ${dataset.name}`, '',
    `- classes: ${dataset.classes.join(', ')}`, `- items: ${counts}`,
    `- features: ${run.config.featureKind} from ${run.backbone.weightsPath} (sha256 ${run.backbone.sha256.slice(0, 16)}...)`,
    ...finetuneLines(run),
    `- epochs run: ${result.training.history.length}, weights kept from epoch ${result.training.bestEpoch + 1}${result.training.stoppedEarly ? ' (stopped early)' : ''}`,
    `- skipped files: ${dataset.warnings.length}`, '',
    ...reportSection('Validation', result.report, dataset.classes),
    ...reportSection('Test', result.testReport, dataset.classes),
    '## Learning curves', '', `![train and validation loss, validation ROC AUC per epoch](${LEARNING_CURVES_FILE})`, '',
  ].join('\n');
}

function finetuneLines(run: TrainHeadRun): string[] {
  const { finetuned, resumedFrom, recipe } = run.result;
  if (!finetuned || !recipe) return ['- backbone: frozen (linear head on the features)'];
  const schedule = recipe.schedule === 'cosine' ? 'cosine to 0' : `x${recipe.gamma} every ${recipe.stepEvery} epochs`;
  return [
    `- backbone: last ${finetuned.blocks} block(s) and the final norm fine-tuned with the head, saved in ${FINETUNED_BLOCKS_FILE}`,
    `- recipe: SGD lr ${recipe.lr} (head) / ${recipe.lr * recipe.blockLrFactor} (blocks), momentum ${recipe.momentum}, ${schedule}, batch ${recipe.batchSize}, ` +
      `early stopping on validation ${recipe.monitor} (patience ${recipe.patience}, at least ${recipe.minEpochs} epochs), augmentation ${recipe.augment ? 'on' : 'off'}`,
    ...(resumedFrom ? [`- resumed from a checkpoint after epoch ${resumedFrom}`] : []),
  ];
}

/** Train and validation loss in one panel, validation ROC AUC in the other, by epoch (from 1). */
export function learningCurvesSvg(history: readonly EpochRecord[]): string {
  return lineChartSvg({
    x: history.map((record) => record.epoch + 1), xLabel: 'epoch',
    panels: [
      { title: 'loss', series: [{ name: 'train loss', values: history.map((r) => r.trainLoss) }, { name: 'validation loss', values: history.map((r) => r.valLoss) }] },
      { title: 'validation ROC AUC', yRange: [0.5, 1], series: [{ name: 'validation ROC AUC', values: history.map((r) => r.valRocAuc) }] },
    ],
  });
}

/** Everything report.json holds: both reports, the split sizes, the training curve and the skipped files. */
export function trainingReportJson(run: TrainHeadRun): Record<string, unknown> {
  const { dataset, result } = run;
  return {
    dataset: dataset.name, classes: dataset.classes, featureKind: run.config.featureKind,
    counts: { train: result.split.train.length, val: result.split.val.length, test: result.split.test.length },
    finetunedBlocks: result.finetuned?.blocks ?? 0,
    validation: result.report, test: result.testReport,
    training: { bestEpoch: result.training.bestEpoch, stoppedEarly: result.training.stoppedEarly, history: result.training.history },
    warnings: dataset.warnings,
  };
}

/**
 * The source images of each part (absolute paths), so a later evaluation scores only images whose labels
 * (and, for patch datasets, whose mask-derived patch labels) the head never saw.
 */
export function splitImagePaths(split: TrainClassifierResult['split']): Record<'train' | 'val' | 'test', string[]> {
  const paths = (items: readonly { imagePath: string }[]): string[] => [...new Set(items.map((item) => resolve(item.imagePath)))].sort();
  return { train: paths(split.train), val: paths(split.val), test: paths(split.test) };
}

/**
 * Writes head.json, report.json, report.md, learning-curves.svg, run.json and split.json into `outDir`
 * (created if needed), and the fine-tuned blocks first when there are some.
 */
export async function writeTrainingRun(outDir: string, run: TrainHeadRun, command = 'train'): Promise<string[]> {
  await mkdir(outDir, { recursive: true });
  const paths = ['head.json', 'report.json', 'report.md', 'run.json', 'split.json', LEARNING_CURVES_FILE].map((name) => join(outDir, name));
  const { finetuned } = run.result;
  const blocksPath = join(outDir, FINETUNED_BLOCKS_FILE);
  const finetunedRef = finetuned ? await saveFinetunedBlocks(blocksPath, finetuned) : undefined;
  await saveHead(paths[0]!, finetunedRef ? { ...run.result.head, finetuned: finetunedRef } : run.result.head);
  await writeJsonAtomic(paths[4]!, splitImagePaths(run.result.split));
  await writeJsonAtomic(paths[1]!, trainingReportJson(run));
  await writeFileAtomic(paths[5]!, learningCurvesSvg(run.result.training.history));
  await writeFileAtomic(paths[2]!, formatTrainingReport(run));
  await writeRunManifest(outDir, {
    command, config: run.config, seed: run.config.seed, startedAt: run.startedAt,
    weightFiles: { backbone: { path: run.backbone.weightsPath, sha256: run.backbone.sha256 }, ...(finetuned ? { finetunedBlocks: blocksPath } : {}) }, timingsMs: run.timings,
  });
  return finetuned ? [...paths, blocksPath] : paths;
}
