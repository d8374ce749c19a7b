/**
 * `segment` over many images: resumable (finished images are skipped by the checksum of input + config),
 * every output written atomically, a failing image recorded and the run continued.
 */
import { basename, extname, join } from 'node:path';
import { createProgressTracker, sha256File, writeJsonAtomic, type ProgressCallback } from '../core/index.js';
import { readImage, writeMapPng16, writeMaskPng, writeRgbPng } from '../data/index.js';
import type { PipelineConfig } from './config.js';
import type { ExplainContext } from './explain-image.js';
import { blendHeatmap, overlayMask } from './overlay.js';
import { RunStore } from './run-store.js';
import { segmentImage } from './segment-image.js';

export interface SegmentedImage {
  readonly id: string;
  readonly source: string;
  readonly predictedClass: string;
  readonly probability: number;
  readonly relativeConvergenceDelta: number;
  readonly foregroundFraction: number;
  readonly files: { mask: string; soft: string; overlay: string; heatmap: string };
  readonly timingsMs: Record<string, number>;
}

export interface SegmentRunSummary {
  readonly done: SegmentedImage[];
  readonly skipped: number;
  readonly failed: { id: string; source: string; message: string }[];
}

/** File stem used as the image id; two inputs with one stem get a numeric suffix so nothing is overwritten. */
export function imageIds(paths: readonly string[]): string[] {
  const seen = new Map<string, number>();
  return paths.map((path) => {
    const stem = basename(path, extname(path));
    const count = seen.get(stem) ?? 0;
    seen.set(stem, count + 1);
    return count === 0 ? stem : `${stem}-${count + 1}`;
  });
}

export async function runSegmentation(
  images: readonly string[],
  context: ExplainContext & { identity: Record<string, string> },
  options: { outDir: string; onProgress?: ProgressCallback; onImageDone?: (image: SegmentedImage | { id: string; error: string }) => void },
): Promise<SegmentRunSummary> {
  const store = new RunStore<SegmentedImage>(options.outDir);
  const progress = createProgressTracker('segment', images.length, options.onProgress);
  const ids = imageIds(images);
  const summary: SegmentRunSummary = { done: [], skipped: 0, failed: [] };
  for (const [index, source] of images.entries()) {
    const id = ids[index]!;
    let key = '';
    try {
      key = RunStore.keyFor(await sha256File(source), { config: context.config, ...context.identity });
      const finished = await store.finished(id, key);
      if (finished) {
        summary.done.push(finished.result!);
        (summary as { skipped: number }).skipped += 1;
      } else {
        const result = await segmentOne(source, id, context, options.outDir);
        await store.saveResult(id, key, result);
        summary.done.push(result);
        options.onImageDone?.(result);
      }
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      summary.failed.push({ id, source, message });
      await store.saveFailure(id, key, error);
      options.onImageDone?.({ id, error: message });
    }
    progress.advance(1, id);
  }
  return summary;
}

async function segmentOne(source: string, id: string, context: ExplainContext, outDir: string): Promise<SegmentedImage> {
  const image = await readImage(source);
  const result = await segmentImage(image, context);
  const { explanation, mask, map } = result;
  const dir = join(outDir, id);
  const files = { mask: `${id}/mask.png`, soft: `${id}/map.png`, overlay: `${id}/overlay.png`, heatmap: `${id}/heatmap.png` };
  await writeMaskPng(join(outDir, files.mask), mask);
  await writeMapPng16(join(outDir, files.soft), map);
  await writeRgbPng(join(outDir, files.overlay), overlayMask(image, mask));
  await writeRgbPng(join(outDir, files.heatmap), blendHeatmap(image, map));
  const foreground = mask.data.reduce((sum, v) => sum + v, 0) / mask.data.length;
  const record: SegmentedImage = {
    id,
    source,
    predictedClass: explanation.className,
    probability: explanation.probabilities[explanation.predictedClass]!,
    relativeConvergenceDelta: explanation.convergence.relativeDelta,
    foregroundFraction: foreground,
    files,
    timingsMs: result.timingsMs,
  };
  await writeJsonAtomic(join(dir, 'result.json'), record);
  return record;
}

export function describeConfig(config: PipelineConfig): string {
  const e = config.explain;
  return `IG ${e.method} x${e.nSteps}, NoiseTunnel ${e.ntType} x${e.ntSamples} (stdev ${e.stdevs}), ${config.fusion.enabled ? `fusion with ${config.fusion.feature}` : 'no fusion'}, ${config.mask.method}${config.mask.method === 'ncut' ? ` (${config.mask.ncut.graph} graph)` : ''}, CRF ${config.crf.enabled ? 'on' : 'off'}`;
}
