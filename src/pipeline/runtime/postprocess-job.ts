/**
 * One post-processing job of a segment run (Algorithm 1, steps 4-5, plus the PNG writes) as plain data, so
 * it can run on a worker thread or on the calling thread with the same code (errors cross the boundary
 * through core's serialiseError / deserialiseError).
 */
import { join } from 'node:path';
import { createStopwatch, type ImageTensor, type Mask, type ScalarMap } from '../../core/index.js';
import { writeMapPng16, writeMaskPng, writeRgbPng } from '../../data/index.js';
import { blendHeatmap, overlayMask } from '../../render/index.js';
import type { PipelineConfig } from '../config/index.js';
import { cutAndRefine, type MaskInputs } from '../method/index.js';

export interface PostprocessJob {
  /** The image at its original size, values in [0, 1]. */
  readonly image: ImageTensor;
  /** The map the mask is cut from (relevance, or fused when config.fusion.enabled), at the original size. */
  readonly map: ScalarMap;
  /** Last-block keys, needed only by the patch NCut graph. */
  readonly keys?: MaskInputs['keys'];
  readonly config: PipelineConfig;
  /** The backbone's input grid, where masks are cut. */
  readonly grid: { readonly rows: number; readonly cols: number };
  /** When given, mask.png, map.png, overlay.png and heatmap.png are written to `outDir/id/`. */
  readonly output?: { readonly outDir: string; readonly id: string };
}

export interface PostprocessFiles {
  readonly mask: string;
  readonly soft: string;
  readonly overlay: string;
  readonly heatmap: string;
}

export interface PostprocessResult {
  readonly maskBeforeCrf: Mask;
  readonly mask: Mask;
  /** Share of mask pixels that are foreground. */
  readonly foregroundFraction: number;
  /** Paths relative to outDir, present when the job had an `output`. */
  readonly files?: PostprocessFiles;
  /** Milliseconds: mask, crf (as cutAndRefine reports them) and write. */
  readonly timingsMs: Record<string, number>;
}

/**
 * Cut, refine and (optionally) write one image: steps 4-5 are the method's own cutAndRefine on the chosen
 * map, so the result is the sequential path's to the bit.
 */
export async function runPostprocessJob(job: PostprocessJob): Promise<PostprocessResult> {
  const cut = cutAndRefine(job.image, { map: job.map, ...(job.keys ? { keys: job.keys } : {}) }, { config: job.config, grid: job.grid });
  const foregroundFraction = cut.mask.data.reduce((sum, v) => sum + v, 0) / cut.mask.data.length;
  if (!job.output) return { maskBeforeCrf: cut.maskBeforeCrf, mask: cut.mask, foregroundFraction, timingsMs: cut.timingsMs };
  const clock = createStopwatch();
  const files = await clock.time('write', () => writeSegmentationPngs(job.image, { map: job.map, mask: cut.mask }, job.output!));
  return { maskBeforeCrf: cut.maskBeforeCrf, mask: cut.mask, foregroundFraction, files, timingsMs: { ...cut.timingsMs, write: clock.timings.write! } };
}

/** The four pictures of a segmented image, under `outDir/id/`; returns their paths relative to outDir. */
export async function writeSegmentationPngs(
  image: ImageTensor,
  result: { map: ScalarMap; mask: Mask },
  output: { outDir: string; id: string },
): Promise<PostprocessFiles> {
  const { outDir, id } = output;
  const files = { mask: `${id}/mask.png`, soft: `${id}/map.png`, overlay: `${id}/overlay.png`, heatmap: `${id}/heatmap.png` };
  await writeMaskPng(join(outDir, files.mask), result.mask);
  await writeMapPng16(join(outDir, files.soft), result.map);
  await writeRgbPng(join(outDir, files.overlay), overlayMask(image, result.mask));
  await writeRgbPng(join(outDir, files.heatmap), blendHeatmap(image, result.map));
  return files;
}

/** The typed arrays of a job or result whose memory can move to the other thread instead of being copied. */
export function transferListOf(value: { image?: ImageTensor; map?: ScalarMap; keys?: MaskInputs['keys']; mask?: Mask; maskBeforeCrf?: Mask }): ArrayBuffer[] {
  const arrays = [value.image?.data, value.map?.data, value.keys?.data, value.mask?.data, value.maskBeforeCrf?.data];
  const buffers = new Set<ArrayBuffer>();
  for (const array of arrays) {
    // A view into a larger or shared buffer would detach memory someone else still reads: copy those instead.
    if (array && array.buffer instanceof ArrayBuffer && array.byteOffset === 0 && array.byteLength === array.buffer.byteLength) buffers.add(array.buffer);
  }
  return [...buffers];
}
