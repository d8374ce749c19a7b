import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
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

export function sha256Bytes(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}
