/**
 * An `explain` run folder: each image's prediction, relevance, feature and fused maps (explain-outputs.ts),
 * then summary.json and run.json. An unreadable image is recorded and skipped; a model or config problem
 * stops the run.
 */
import { basename, join } from 'node:path';
import {
  createProgressTracker, createStopwatch, ExplainSegError, writeJsonAtomic, writeRunManifest, type ProgressCallback,
} from '../../core/index.js';
import type { BackboneKind } from '../../backbone/index.js';
import { readImageChecked } from '../../data/index.js';
import type { PipelineConfig } from '../config/index.js';
import { explainImage, gradientEvaluationsPerImage, type ImageExplanation } from '../method/index.js';
import { withClassifier } from '../model/index.js';
import { writeExplanation } from './explain-outputs.js';
import { imageIds } from './segment-run.js';

export interface ExplainRunOptions {
  readonly outDir: string;
  /** The command line, recorded in run.json. */
  readonly command: string;
  readonly config: PipelineConfig;
  readonly weightsPath: string;
  readonly headPath: string;
  /** The backbone kind expected; the head decides, and a different one is a ModelMismatchError. */
  readonly backbone?: BackboneKind;
  readonly threads?: number;
  readonly onProgress?: ProgressCallback;
  /** Each warning of reading an image, and each image skipped, as it happens. */
  readonly onWarning?: (message: string) => void;
  readonly onSkipped?: (file: string, problem: string) => void;
}

export interface ExplainRunResult {
  readonly classes: readonly string[];
  readonly done: { file: string; stem: string; explanation: ImageExplanation }[];
  readonly failures: { file: string; problem: string }[];
}

/** A bad image file is skipped; anything else (a model or config problem) stops the run. */
function isPerImageProblem(error: unknown): error is ExplainSegError {
  return error instanceof ExplainSegError && (error.code === 'E_INPUT_FILE' || error.code === 'E_SIZE_MISMATCH');
}

/** @example await runExplainFolder(['a.png'], { outDir: 'out', command: 'explainseg explain a.png', config, weightsPath, headPath }); */
export async function runExplainFolder(images: readonly string[], options: ExplainRunOptions): Promise<ExplainRunResult> {
  const startedAt = new Date();
  const clock = createStopwatch();
  const { config, outDir } = options;
  const loadOptions = {
    weightsPath: options.weightsPath, headPath: options.headPath,
    ...(options.backbone ? { backbone: options.backbone } : {}), ...(options.threads ? { threads: options.threads } : {}),
  };
  return withClassifier(loadOptions, async (classifier) => {
    clock.lap('loadClassifier');
    const perImage = gradientEvaluationsPerImage(config.explain);
    const progress = createProgressTracker('explain', images.length * perImage, options.onProgress);
    const stems = imageIds(images);
    const result: ExplainRunResult = { classes: classifier.head.head.classes, done: [], failures: [] };
    for (const [index, file] of images.entries()) {
      const offset = index * perImage;
      try {
        const { image, warnings } = await readImageChecked(file);
        for (const warning of warnings) options.onWarning?.(warning);
        const context = { model: classifier.model, head: classifier.head, config };
        const explanation = await explainImage(image, context, (event) => progress.set(offset + event.done, basename(file)));
        await writeExplanation(outDir, stems[index]!, { source: file, image, explanation });
        result.done.push({ file, stem: stems[index]!, explanation });
      } catch (error) {
        if (!isPerImageProblem(error)) throw error;
        result.failures.push({ file, problem: error.message });
        options.onSkipped?.(file, error.message);
      }
      progress.set(offset + perImage, basename(file));
    }
    await writeJsonAtomic(join(outDir, 'summary.json'), {
      classes: result.classes,
      images: result.done.map(({ file, stem, explanation }) => ({ file, stem, className: explanation.className, probabilities: Array.from(explanation.probabilities), relativeDelta: explanation.convergence.relativeDelta })),
      failures: result.failures,
    });
    await writeRunManifest(outDir, {
      command: options.command, config: { ...config, inputSize: classifier.model.rows, backbone: classifier.kind }, seed: config.seed, startedAt,
      inputFiles: Object.fromEntries(result.done.map(({ file, stem }) => [stem, file])),
      weightFiles: { backbone: { path: options.weightsPath, sha256: classifier.backboneSha256 }, head: options.headPath },
      timingsMs: { loadClassifier: clock.timings.loadClassifier!, ...Object.fromEntries(result.done.map(({ stem, explanation }) => [`explain:${stem}`, explanation.timingsMs.total!])) },
    });
    return result;
  });
}
