/**
 * One post-processing job of a segment run (Algorithm 1, steps 4-5, plus the PNG writes) as plain data, so
 * it can run on a worker thread or on the calling thread with the same code. Also the codec that carries an
 * error across the thread boundary with its class, code and message intact.
 */
import { join } from 'node:path';
import {
  ChecksumError, DatasetError, DownloadError, ExplainSegError, InputFileError, InvalidArgumentError, ModelMismatchError,
  RuntimeError, SizeMismatchError, WeightsError, type ErrorCode, type ImageTensor, type Mask, type ScalarMap,
} from '../core/index.js';
import { writeMapPng16, writeMaskPng, writeRgbPng } from '../data/index.js';
import type { PipelineConfig } from './config.js';
import type { MaskInputs } from './mask-from-map.js';
import { blendHeatmap, overlayMask } from './overlay.js';
import { segmentFromExplanation, type SegmentationResult } from './segment-image.js';

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
  /** Milliseconds: mask, crf (as segmentFromExplanation reports them) and write. */
  readonly timingsMs: Record<string, number>;
}

/**
 * Cut, refine and (optionally) write one image. The cut is segmentFromExplanation itself, so the result is
 * the sequential path's to the bit; it reads only `fused` or `relevance.original` of the explanation, which
 * is why a view holding just the chosen map is enough (and keeps the rest of the explanation off the wire).
 */
export async function runPostprocessJob(job: PostprocessJob): Promise<PostprocessResult> {
  const view = { fused: job.map, relevance: { input: job.map, original: job.map } };
  const cut: Omit<SegmentationResult, 'explanation'> = segmentFromExplanation(job.image, view, {
    config: job.config, grid: job.grid, ...(job.keys ? { keys: job.keys } : {}),
  });
  const foregroundFraction = cut.mask.data.reduce((sum, v) => sum + v, 0) / cut.mask.data.length;
  if (!job.output) return { maskBeforeCrf: cut.maskBeforeCrf, mask: cut.mask, foregroundFraction, timingsMs: cut.timingsMs };
  const started = performance.now();
  const files = await writeSegmentationPngs(job.image, { map: job.map, mask: cut.mask }, job.output);
  return { maskBeforeCrf: cut.maskBeforeCrf, mask: cut.mask, foregroundFraction, files, timingsMs: { ...cut.timingsMs, write: performance.now() - started } };
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

/** What crosses the thread boundary in place of an Error: structured clone would lose the class. */
export interface SerialisedError {
  readonly name: string;
  readonly message: string;
  readonly code?: string;
  readonly stack?: string;
  readonly file?: string;
  readonly problems?: readonly string[];
}

export function serialiseError(error: unknown): SerialisedError {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error) };
  const { file, problems, code } = error as Partial<{ file: string; problems: readonly string[]; code: string }>;
  return {
    name: error.name, message: error.message, ...(error.stack ? { stack: error.stack } : {}),
    ...(typeof code === 'string' ? { code } : {}), ...(typeof file === 'string' ? { file } : {}), ...(Array.isArray(problems) ? { problems } : {}),
  };
}

type Rebuild = (error: SerialisedError) => Error;

const withoutFilePrefix = (error: SerialisedError): string => error.message.slice((error.file ?? '').length + 2);

const REBUILDERS: Record<string, Rebuild> = {
  InvalidArgumentError: (e) => new InvalidArgumentError(e.message),
  InputFileError: (e) => new InputFileError(e.file ?? '', withoutFilePrefix(e)),
  SizeMismatchError: (e) => new SizeMismatchError(e.message),
  WeightsError: (e) => new WeightsError(e.file ?? '', e.problems ?? [withoutFilePrefix(e)]),
  DatasetError: (e) => new DatasetError(e.message),
  ModelMismatchError: (e) => new ModelMismatchError(e.message),
  DownloadError: (e) => new DownloadError(e.message),
  RuntimeError: (e) => new RuntimeError(e.message),
  ChecksumError: rebuildChecksumError,
  TypeError: (e) => new TypeError(e.message),
  RangeError: (e) => new RangeError(e.message),
};

function rebuildChecksumError(error: SerialisedError): Error {
  const parts = /^(.*): expected SHA-256 (\S+) but received (\S+)$/s.exec(error.message);
  return parts ? new ChecksumError(parts[1]!, parts[2]!, parts[3]!) : new ExplainSegError('E_CHECKSUM', error.message);
}

/** The error the job threw, as the same class with the same code and message; the worker's stack is kept. */
export function deserialiseError(serialised: SerialisedError): Error {
  const rebuild = REBUILDERS[serialised.name];
  let error: Error;
  if (rebuild) error = rebuild(serialised);
  else if (serialised.code?.startsWith('E_')) error = new ExplainSegError(serialised.code as ErrorCode, serialised.message);
  else error = new Error(serialised.message);
  if (!rebuild && serialised.name !== error.name) error.name = serialised.name;
  if (serialised.stack) error.stack = serialised.stack;
  return error;
}
