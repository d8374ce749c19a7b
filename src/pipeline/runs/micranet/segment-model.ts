/**
 * `segment --model DIR` with a MICRA-Net model folder: per image the classes predicted positive, one
 * Grad-CAM run each, the PCA / sign / quantile steps of the original, the union of the class masks; the
 * soft map written beside it is the strongest class's oriented component at the image size.
 */
import { join } from 'node:path';
import { createScalarMap, resizeMapBilinear, type ScalarMap } from '../../../core/index.js';
import { MICRANET_WEIGHTS_FILE, readMicraNetModel, segmentWithMicraNet, withMicraNetModel } from '../../competitors/index.js';
import { runModelSegmentFolder, type ModelSegmenter, type ModelSegmentOptions } from '../model-segment-folder.js';
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
  const { info } = await readMicraNetModel(modelDir);
  return {
    settings: { method: 'micranet', classes: info.segment?.classes ?? 'positive' },
    identity: { micranetSha256: info.weightsSha256 },
    weightFiles: { micranet: join(modelDir, MICRANET_WEIGHTS_FILE) },
    open: (use) => withMicraNetModel(modelDir, options.threads ? { threads: options.threads } : {}, (model) => use(async (image) => {
      const started = performance.now();
      const result = await segmentWithMicraNet(image, model, { classes: info.segment?.classes ?? 'positive' });
      const best = result.probabilities.indexOf(Math.max(...result.probabilities));
      const maps = result.classes.flatMap((c) => (c.map ? [c.map] : []));
      return {
        mask: result.mask, map: unionMap(maps, image.rows, image.cols), predictedClass: info.classNames[best]!,
        probability: result.probabilities[best]!, timingsMs: { segment: performance.now() - started },
      };
    })),
  };
}

/** Segment `images` with the MICRA-Net of `modelDir`; resumable like `segment`. */
export async function runMicraNetSegmentFolder(images: readonly string[], options: ModelSegmentOptions & { modelDir: string; threads?: number }): Promise<SegmentRunSummary> {
  const { modelDir, threads, ...rest } = options;
  return runModelSegmentFolder(images, await micraNetSegmenter(modelDir, threads ? { threads } : {}), rest);
}
