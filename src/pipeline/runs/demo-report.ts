/**
 * The scoring and the report folder of `explainseg demo`: each predicted mask against its ground truth
 * (IoU, Dice, bootstrap intervals from SegmentationMetrics), then report/summary.md, report/summary.json
 * and the data of report/index.html (overlay, heatmap, mask and ground truth per image). The page itself
 * is written by a function the caller passes in (the CLI passes the viewer's writeHtmlReport): the viewer
 * sits above the pipeline in the layering, so the pipeline only fills the viewer's ReportInput shape.
 */
import { join } from 'node:path';
import { readFile } from 'node:fs/promises';
import {
  createProgressTracker, resizeMaskNearest, writeFileAtomic, writeJsonAtomic, type ProgressCallback,
} from '../../core/index.js';
import { readMask, writeMaskPng } from '../../data/index.js';
import { SegmentationMetrics, type ImageScoreRow, type MetricsSummary } from '../../metrics/index.js';
import { evaluationSummaryJson, evaluationSummaryMarkdown, type EvaluationSummaryJson, type ScoredImage } from '../evaluation/index.js';
import { describeConfig, type PipelineConfig } from '../config/index.js';
import type { SegmentedImage, SegmentRunSummary } from './segment-run.js';

export interface DemoEvaluation {
  readonly summary: MetricsSummary;
  /** Ids whose prediction was resized (nearest neighbour) to its ground truth's size. */
  readonly resized: string[];
  /** Images whose scoring failed (unreadable ground truth), with the reason. */
  readonly failed: { id: string; message: string }[];
}

/** Name of the ground-truth copy written next to each image's pictures, so the report links stay inside it. */
const TRUTH_FILE = 'truth.png';

/**
 * Scores the segmented images in input order; the empty-ground-truth rule is SegmentationMetrics' default.
 * A copy of each ground truth (0/255 PNG) goes to imagesDir/ID/truth.png for the report.
 */
export async function evaluateDemoImages(
  images: readonly ScoredImage[],
  segmentation: SegmentRunSummary,
  options: { imagesDir: string; seed: number; onProgress?: ProgressCallback },
): Promise<DemoEvaluation> {
  const metrics = new SegmentationMetrics({ seed: options.seed });
  const bySource = new Map(segmentation.done.map((record) => [record.source, record]));
  const progress = createProgressTracker('evaluate', images.length, options.onProgress);
  const resized: string[] = [];
  const failed: { id: string; message: string }[] = [];
  for (const image of images) {
    const record = bySource.get(image.imagePath);
    if (record) {
      try {
        const gt = await readMask(image.maskPath);
        let pred = await readMask(join(options.imagesDir, record.files.mask));
        if (pred.rows !== gt.rows || pred.cols !== gt.cols) {
          pred = resizeMaskNearest(pred, gt.rows, gt.cols);
          resized.push(record.id);
        }
        await writeMaskPng(join(options.imagesDir, record.id, TRUTH_FILE), gt);
        metrics.add(pred, gt, record.id);
      } catch (error) {
        failed.push({ id: record.id, message: error instanceof Error ? error.message : String(error) });
      }
    }
    progress.advance(1, image.id);
  }
  return { summary: metrics.result(), resized, failed };
}

/** What the report says about the run's settings (a few fields of DemoOptions). */
export interface DemoReportSettings {
  readonly dataset: string;
  readonly dataRoot: string;
  readonly variant: string;
  readonly config: PipelineConfig;
  /** What made the masks, when not the paper's variant of `config` (the fitted student). */
  readonly methodDescription?: string;
}

interface DemoReportParts {
  readonly options: DemoReportSettings;
  readonly images: readonly ScoredImage[];
  readonly segmentation: SegmentRunSummary;
  readonly evaluation: DemoEvaluation;
  readonly headPath: string;
  readonly headReused: boolean;
  readonly timingsMs: Readonly<Record<string, number>>;
}

export interface DemoSummaryJson {
  readonly dataset: string;
  readonly dataRoot: string;
  readonly variant: string;
  readonly method: string;
  readonly head: { readonly path: string; readonly reused: boolean; readonly validation: unknown };
  readonly segmented: number;
  readonly failed: { id: string; message: string }[];
  readonly evaluation: EvaluationSummaryJson;
  readonly images: readonly Record<string, unknown>[];
  readonly secondsPerImage: number | null;
  readonly phaseSeconds: Record<string, number>;
}

const seconds = (ms: number): number => Math.round(ms) / 1000;

/** The head's validation numbers from the report.json `train` wrote next to it (null if unreadable). */
async function headValidation(headPath: string): Promise<unknown> {
  try {
    const report = JSON.parse(await readFile(join(headPath, '..', 'report.json'), 'utf8')) as { validation?: Record<string, unknown> | null };
    const validation = report.validation;
    return validation ? { accuracy: validation.accuracy, balancedAccuracy: validation.balancedAccuracy, rocAuc: validation.rocAuc } : null;
  } catch {
    return null;
  }
}

function imageRecords(parts: DemoReportParts): { record: SegmentedImage; image: ScoredImage; row?: ImageScoreRow }[] {
  const rows = new Map(parts.evaluation.summary.rows.map((row) => [row.id, row]));
  const images = new Map(parts.images.map((image) => [image.imagePath, image]));
  return parts.segmentation.done.map((record) => {
    const row = rows.get(record.id);
    return { record, image: images.get(record.source)!, ...(row ? { row } : {}) };
  });
}

export function demoSummaryJson(parts: DemoReportParts, validation: unknown): DemoSummaryJson {
  const { options, segmentation, evaluation } = parts;
  const records = imageRecords(parts);
  const perImage = records.map(({ record, image, row }) => ({
    id: record.id, part: image.part, source: record.source, groundTruth: image.maskPath,
    predictedClass: record.predictedClass, probability: record.probability, iou: row?.iou ?? null, dice: row?.dice ?? null,
    foregroundFraction: record.foregroundFraction, relativeConvergenceDelta: record.relativeConvergenceDelta,
    seconds: seconds(Object.entries(record.timingsMs).filter(([stage]) => stage !== 'total').reduce((sum, [, ms]) => sum + ms, 0)),
  }));
  const segmentMs = parts.timingsMs.segment;
  const fresh = segmentation.done.length - segmentation.skipped;
  return {
    dataset: options.dataset, dataRoot: options.dataRoot, variant: options.variant, method: options.methodDescription ?? describeConfig(options.config),
    head: { path: parts.headPath, reused: parts.headReused, validation },
    segmented: segmentation.done.length,
    failed: [...segmentation.failed.map(({ id, message }) => ({ id, message })), ...evaluation.failed],
    evaluation: evaluationSummaryJson({ summary: evaluation.summary, emptyGroundTruth: 'one-if-empty-prediction', resized: evaluation.resized, soft: [] }, { predDir: 'images/ID/mask.png', gtDir: join(options.dataRoot, 'masks') }),
    images: perImage,
    secondsPerImage: segmentMs !== undefined && fresh > 0 ? seconds(segmentMs / fresh) : null,
    phaseSeconds: Object.fromEntries(Object.entries(parts.timingsMs).map(([phase, ms]) => [phase, seconds(ms)])),
  };
}

const fixed = (value: number | null | undefined, digits = 4): string => (typeof value === 'number' && Number.isFinite(value) ? value.toFixed(digits) : 'n/a');

export function demoSummaryMarkdown(json: DemoSummaryJson): string {
  const rows = json.images.map((image) => `| ${String(image.id)} | ${String(image.part)} | ${String(image.predictedClass)} | ${fixed(image.iou as number | null)} | ${fixed(image.dice as number | null)} | ${fixed(image.seconds as number, 1)} |`);
  const evaluation = evaluationSummaryMarkdown(json.evaluation).split('\n').slice(2);
  return [
    `# ExplainSeg demo: ${json.dataset}`, '',
    `- variant: ${json.variant} (${json.method})`,
    `- head: ${json.head.reused ? 'reused' : 'trained'} (${json.head.path})`,
    `- segmented: ${json.segmented}, failed: ${json.failed.length}; seconds per image: ${fixed(json.secondsPerImage, 1)}`,
    ...evaluation, '## Images', '',
    '| image | part | predicted class | IoU | Dice | seconds |', '| --- | --- | --- | ---: | ---: | ---: |', ...rows, '',
  ].join('\n');
}

/** The viewer's ReportInput, restated structurally (the CLI's call type-checks the two against each other). */
export interface DemoReportPage {
  readonly title: string;
  readonly summary: Readonly<Record<string, string | number>>;
  readonly config: unknown;
  readonly methods: readonly { name: string; n: number; meanIoU: number; meanDice: number; iouCi?: readonly [number, number]; diceCi?: readonly [number, number] }[];
  readonly images: readonly { id: string; files: Record<string, string>; metrics: Record<string, number>; predictedClass?: string; probability?: number }[];
}

/** Writes the HTML page into a folder and returns its path (the viewer's writeHtmlReport). */
export type HtmlReportWriter = (dir: string, page: DemoReportPage) => Promise<string>;

export function demoReportPage(parts: DemoReportParts, json: DemoSummaryJson): DemoReportPage {
  const { summary } = parts.evaluation;
  const { intervals } = summary;
  const images = imageRecords(parts).map(({ record, row }) => ({
    id: record.id, predictedClass: record.predictedClass, probability: record.probability,
    metrics: { IoU: row?.iou ?? Number.NaN, Dice: row?.dice ?? Number.NaN, 'foreground fraction': record.foregroundFraction },
    files: {
      overlay: `images/${record.files.overlay}`, heatmap: `images/${record.files.heatmap}`,
      mask: `images/${record.files.mask}`, 'ground truth': `images/${record.id}/${TRUTH_FILE}`,
    },
  }));
  return {
    title: `ExplainSeg demo: ${json.dataset} (${json.variant})`,
    summary: {
      dataset: json.dataset, data: json.dataRoot, variant: json.variant, method: json.method,
      head: `${json.head.reused ? 'reused' : 'trained'}: ${json.head.path}`,
      images: json.segmented, failed: json.failed.length,
      'seconds per image': json.secondsPerImage ?? Number.NaN, 'total seconds': json.phaseSeconds.total ?? Number.NaN,
    },
    config: parts.options.config,
    methods: [{
      name: json.variant, n: summary.scored, meanIoU: summary.meanIou, meanDice: summary.meanDice,
      ...(intervals ? { iouCi: [intervals.meanIou.low, intervals.meanIou.high] as const, diceCi: [intervals.meanDice.low, intervals.meanDice.high] as const } : {}),
    }],
    images,
  };
}

/**
 * Writes summary.json, summary.md and report.json (the page's data, so the page can be rebuilt later) into
 * `reportDir`, and index.html when a writer is given; returns the path of index.html, or undefined.
 */
export async function writeDemoReport(reportDir: string, parts: DemoReportParts, writeHtml?: HtmlReportWriter): Promise<string | undefined> {
  const json = demoSummaryJson(parts, await headValidation(parts.headPath));
  const page = demoReportPage(parts, json);
  await writeJsonAtomic(join(reportDir, 'summary.json'), json);
  await writeFileAtomic(join(reportDir, 'summary.md'), demoSummaryMarkdown(json));
  await writeJsonAtomic(join(reportDir, 'report.json'), page);
  return writeHtml ? writeHtml(reportDir, page) : undefined;
}
