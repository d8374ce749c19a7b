import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, basename } from 'node:path';
import { InputFileError } from '../errors.js';

/**
 * Write a file so that readers see either the old content or the whole new content, never a part:
 * write a temporary sibling, then rename it over the target (rename is atomic within a file system).
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temporary = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await writeFile(temporary, data);
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  await writeFileAtomic(path, `${JSON.stringify(value, null, 2)}\n`);
}

/**
 * The problem sentence for a file-system error on a path the user named, for an InputFileError:
 * `describeFileError(enoent)` is "missing (no such file)", `describeFileError(eisdir, 'an image')`
 * is "is a folder, not an image".
 */
export function describeFileError(error: unknown, kind = 'a file'): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT') return 'missing (no such file)';
  if (code === 'EISDIR') return `is a folder, not ${kind}`;
  if (code === 'ENOTDIR') return 'missing (a folder on its path is a file)';
  if (code === 'EACCES' || code === 'EPERM') return 'cannot be read (permission denied)';
  return `cannot be read (${code ?? (error instanceof Error ? error.message : String(error))})`;
}

/** SHA-256 of a file, streamed (weights files can be large); a missing or unreadable file is an InputFileError. */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  try {
    for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  } catch (error) {
    throw new InputFileError(path, describeFileError(error), { cause: error });
  }
  return hash.digest('hex');
}

/**
 * SHA-256 of a folder: of its sorted "relative/path<TAB>sha256<LF>" lines, one per file at any depth. For a
 * flat folder of .npy files this is the digest loadWeights gives the folder (and a head records).
 */
export async function sha256Folder(path: string): Promise<string> {
  const lines: string[] = [];
  for (const file of (await filesUnder(path)).sort()) lines.push(`${file}\t${await sha256File(join(path, file))}\n`);
  return sha256Bytes(lines.join(''));
}

/** SHA-256 of a file (sha256File) or of a folder (sha256Folder), such as a weights file or a .npy weights folder. */
export async function sha256Path(path: string): Promise<string> {
  const isFolder = await stat(path).then((info) => info.isDirectory(), () => false);
  return isFolder ? sha256Folder(path) : sha256File(path);
}

/** Relative paths (with '/') of every file under a folder. */
async function filesUnder(folder: string, prefix = ''): Promise<string[]> {
  const entries = await readdir(join(folder, prefix), { withFileTypes: true }).catch((error: unknown) => {
    throw new InputFileError(join(folder, prefix), describeFileError(error, 'a folder'), { cause: error });
  });
  const nested = await Promise.all(entries.map(async (entry) => {
    const relative = prefix ? `${prefix}/${entry.name}` : entry.name;
    return entry.isDirectory() ? filesUnder(folder, relative) : entry.isFile() ? [relative] : [];
  }));
  return nested.flat();
}

export function sha256Bytes(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}
