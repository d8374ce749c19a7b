import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { createProgressTracker, DatasetError, openZip, type ProgressCallback, type ZipArchive, type ZipEntry } from '../../core/index.js';
import type { ArchiveLayout } from './layouts.js';

/** One archive member and the path (relative to the dataset folder) it is written to. */
export interface UnpackStep {
  readonly entry: ZipEntry;
  readonly target: string;
}

const UNIX_HOST = 3;
const FILE_TYPE_MASK = 0o170000;
const SYMLINK_TYPE = 0o120000;

/**
 * Why a member may not be unpacked, or undefined when it is safe: an absolute path or drive letter, a `..`
 * segment (backslashes count as separators, as Windows tools write them), a NUL byte, or a symbolic link.
 */
export function unsafeEntryReason(entry: ZipEntry): string | undefined {
  const name = entry.name.replace(/\\/g, '/');
  if (name.startsWith('/') || /^[a-z]:/i.test(name)) return 'is an absolute path';
  if (name.split('/').includes('..')) return "climbs out with '..'";
  if (name.includes('\0')) return 'holds a NUL byte';
  if (entry.madeBy === UNIX_HOST && ((entry.externalAttributes >>> 16) & FILE_TYPE_MASK) === SYMLINK_TYPE) return 'is a symbolic link';
  return undefined;
}

/**
 * Check every member before anything is written: one unsafe member refuses the whole archive (even one
 * the layout would leave out), and two members may not land on the same path.
 */
export function planUnpack(zip: ZipArchive, layout: ArchiveLayout, archive: string): UnpackStep[] {
  const steps: UnpackStep[] = [];
  const targets = new Set<string>();
  for (const entry of zip.entries.values()) {
    const reason = unsafeEntryReason(entry);
    if (reason) throw new DatasetError(`${archive}: member '${entry.name}' ${reason}, which would escape the dataset folder; refused, nothing was unpacked`);
    const target = layout.target(entry.name.replace(/\\/g, '/'));
    if (target === undefined) continue;
    if (targets.has(target)) throw new DatasetError(`${archive}: two members unpack to '${target}'; refused, nothing was unpacked`);
    targets.add(target);
    steps.push({ entry, target });
  }
  return steps;
}

export interface UnpackOptions {
  readonly onProgress?: ProgressCallback;
  /** Small files written into the folder besides the archive's members (e.g. SOURCE.json). */
  readonly extraFiles?: Readonly<Record<string, string>>;
}

/**
 * Unpack a zip archive into `targetDir` atomically: every member is written into a temporary sibling
 * folder, the layout's finishing step runs there and its required entries are checked, and only then is
 * the folder renamed to `targetDir`. On any failure the temporary folder is removed, so `targetDir`
 * either does not exist or holds the whole dataset. Returns the number of members written.
 */
export async function unpackAtomically(archivePath: string, targetDir: string, layout: ArchiveLayout, options: UnpackOptions = {}): Promise<number> {
  const zip = openZip(new Uint8Array(await readFile(archivePath)), archivePath);
  const steps = planUnpack(zip, layout, archivePath);
  const temporary = join(dirname(targetDir), `.${basename(targetDir)}.unpack-${randomBytes(6).toString('hex')}`);
  await mkdir(temporary, { recursive: true });
  try {
    await writeSteps(zip, steps, temporary, options.onProgress);
    for (const [name, text] of Object.entries(options.extraFiles ?? {})) await writeFile(join(temporary, name), text);
    await layout.finish?.(temporary);
    await checkRequired(temporary, layout, archivePath);
    await rename(temporary, targetDir);
  } catch (error) {
    await rm(temporary, { recursive: true, force: true });
    throw error;
  }
  return steps.length;
}

async function writeSteps(zip: ZipArchive, steps: readonly UnpackStep[], root: string, onProgress?: ProgressCallback): Promise<void> {
  const tracker = createProgressTracker('unpack', steps.length, onProgress);
  for (const { entry, target } of steps) {
    const path = resolve(root, target);
    // planUnpack refused unsafe names already; this guards a layout that maps a name outside the folder.
    if (!path.startsWith(`${resolve(root)}${sep}`)) throw new DatasetError(`expected a path inside ${root} for member '${entry.name}' but received ${path}`);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, zip.read(entry), { flag: 'wx' });
    tracker.advance();
  }
}

async function checkRequired(dir: string, layout: ArchiveLayout, archive: string): Promise<void> {
  const missing: string[] = [];
  for (const name of layout.required) {
    const info = await stat(join(dir, name)).catch(() => undefined);
    const empty = info?.isDirectory() ? (await readdir(join(dir, name))).length === 0 : false;
    if (!info || empty) missing.push(name);
  }
  if (missing.length > 0) {
    throw new DatasetError(`expected ${layout.required.join(', ')} in the unpacked ${archive} but received no ${missing.join(', ')} (not the official release?); nothing was kept`);
  }
}
