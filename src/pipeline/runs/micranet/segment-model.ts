/**
 * `segment --model DIR` with a MICRA-Net model folder: per image the classes predicted positive, one
 * Grad-CAM run each, the PCA / sign / quantile steps of the original, the union of the class masks; the
 * soft map written beside it is the strongest class's oriented component at the image size.
 */
import { join } from 'node:path';
import { createScalarMap, resizeMapBilinear, type ImageTensor, type ScalarMap } from '../../../core/index.js';
import { MicraNetModel } from '../../../backbone/index.js';
import { MICRANET_WEIGHTS_FILE, readMicraNetModel, segmentWithMicraNet, type MicraNetClassRule } from '../../competitors/index.js';
import { runModelSegmentFolder, type ModelSegmentation, type ModelSegmenter, type ModelSegmentOptions } from '../model-segment-folder.js';
import type { SegmentRunSummary } from '../segment-run.js';

/** The per-pixel maximum of the class maps brought to rows x cols (zeros when no class was segmented). */
function unionMap(maps: readonly ScalarMap[], rows: number, cols: number): ScalarMap {
  const out = createScalarMap(rows, cols);
  for (const map of maps) {
    const resized = resizeMapBilinear(map, rows, cols);
    for (let i = 0; i < out.data.length; i++) out.data[i] = Math.max(out.data[i]!, resized.data[i]!);
  }
  return out;
}

/** The MICRA-Net of `modelDir` (checked: kind, checksum, tensors) as a ModelSegmenter. */
export async function micraNetSegmenter(modelDir: string, options: { threads?: number } = {}): Promise<ModelSegmenter> {
  // Read (and checked) once: the same tensors build the model when the run opens it.
  const { info, stateDict } = await readMicraNetModel(modelDir);
  const classes = info.segment?.classes ?? 'positive';
  return {
    settings: { method: 'micranet', classes },
    identity: { micranetSha256: info.weightsSha256 },
    weightFiles: { micranet: join(modelDir, MICRANET_WEIGHTS_FILE) },
    open: async (use) => {
      const model = await MicraNetModel.create(stateDict, info.config, options.threads ? { threads: options.threads } : {});
      try {
        await use(async (image) => segmentOne(image, model, { classes, classNames: info.classNames }));
      } finally {
        await model.dispose();
      }
    },
  };
}

/** One image: the rule's classes, their masks united, the strongest class named. */
async function segmentOne(image: ImageTensor, model: MicraNetModel, rule: { classes: MicraNetClassRule; classNames: readonly string[] }): Promise<ModelSegmentation> {
  const started = performance.now();
  const result = await segmentWithMicraNet(image, model, { classes: rule.classes });
  const best = result.probabilities.indexOf(Math.max(...result.probabilities));
  const maps = result.classes.flatMap((c) => (c.map ? [c.map] : []));
  return {
    mask: result.mask, map: unionMap(maps, image.rows, image.cols), predictedClass: rule.classNames[best]!,
    probability: result.probabilities[best]!, timingsMs: { segment: performance.now() - started },
  };
}

/** Segment `images` with the MICRA-Net of `modelDir`; resumable like `segment`. */
export async function runMicraNetSegmentFolder(images: readonly string[], options: ModelSegmentOptions & { modelDir: string; threads?: number }): Promise<SegmentRunSummary> {
  const { modelDir, threads, ...rest } = options;
  return runModelSegmentFolder(images, await micraNetSegmenter(modelDir, threads ? { threads } : {}), rest);
}
