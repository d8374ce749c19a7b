/**
 * Where the masks of a segment run live, for anything that reads a run folder (evaluate, fit, the viewer):
 * the run's own `RUN/ID/mask.png` and a reviewer's accepted correction `RUN/corrected/ID.png` (written by
 * the viewer beside the run's own mask, never over it, with the clicks in `RUN/corrected/ID.json`).
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ensure } from '../../core/index.js';

/** Folder of accepted corrections inside a run folder. */
export const CORRECTED_DIR = 'corrected';

/** Throws InvalidArgumentError unless `id` is a plain file stem (no separators, not '.' or '..', no NUL). */
export function ensureImageId(id: string): string {
  const ok = typeof id === 'string' && id.length > 0 && id !== '.' && id !== '..' && !/[\\/\0]/.test(id);
  ensure(ok, 'an image id (a file stem without / or \\)', 'the image id', id);
  return id;
}

/** `RUN/corrected/ID.png`, whether or not it exists. */
export function correctedMaskFile(runDir: string, id: string): string {
  return join(runDir, CORRECTED_DIR, `${ensureImageId(id)}.png`);
}

/** `RUN/corrected/ID.json`: the clicks and settings that produced the corrected mask. */
export function correctionLogFile(runDir: string, id: string): string {
  return join(runDir, CORRECTED_DIR, `${ensureImageId(id)}.json`);
}

/** The run's own mask, `RUN/ID/mask.png`. */
export function runMaskFile(runDir: string, id: string): string {
  return join(runDir, ensureImageId(id), 'mask.png');
}

async function isFile(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isFile() ?? false;
}

/** The accepted correction of image `id` in the run, or undefined when nobody corrected it. */
export async function correctedMaskPath(runDir: string, id: string): Promise<string | undefined> {
  const path = correctedMaskFile(runDir, id);
  return (await isFile(path)) ? path : undefined;
}

/**
 * The mask to use for image `id`: the accepted correction when `preferCorrected` and one exists, else the
 * run's own mask. `corrected` says which one it is (evaluate reports it; fit uses it as a pseudo-mask).
 */
export async function maskPathForImage(runDir: string, id: string, options: { preferCorrected?: boolean } = {}): Promise<{ path: string; corrected: boolean }> {
  const corrected = options.preferCorrected === false ? undefined : await correctedMaskPath(runDir, id);
  return corrected ? { path: corrected, corrected: true } : { path: runMaskFile(runDir, id), corrected: false };
}

/** One image of a run with the mask to use for it. */
export interface RunMaskFile {
  readonly id: string;
  readonly path: string;
  readonly corrected: boolean;
}

/** Folders of a run folder that are not images (records, corrections, a demo's report, caches). */
export const NON_IMAGE_FOLDERS: ReadonlySet<string> = new Set(['items', CORRECTED_DIR, 'report', 'cache']);

/**
 * Every image of a run folder that has its own `ID/mask.png`, sorted by id, each with the mask to use:
 * the accepted correction when `preferCorrected` (default true) and one exists. This is what `evaluate`
 * (pairing by id with a ground-truth folder) and `fit` (pseudo-masks for the student) read.
 */
export async function listRunMasks(runDir: string, options: { preferCorrected?: boolean } = {}): Promise<RunMaskFile[]> {
  const entries = await readdir(runDir, { withFileTypes: true }).catch(() => []);
  const ids = entries.filter((e) => e.isDirectory() && !NON_IMAGE_FOLDERS.has(e.name) && !e.name.startsWith('.')).map((e) => e.name).sort();
  const masks: RunMaskFile[] = [];
  for (const id of ids) {
    if (!(await isFile(runMaskFile(runDir, id)))) continue;
    masks.push({ id, ...(await maskPathForImage(runDir, id, options)) });
  }
  return masks;
}
