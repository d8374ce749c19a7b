import { stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { InvalidArgumentError } from '../core/errors.js';

/** What is at a path: a folder, something else (a file, a socket), nothing, or unknown (no permission). */
async function pathKind(path: string): Promise<'folder' | 'file' | 'absent' | 'unknown'> {
  try {
    return (await stat(path)).isDirectory() ? 'folder' : 'file';
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ENOENT' || code === 'ENOTDIR' ? 'absent' : 'unknown';
  }
}

/**
 * Refuses an output folder that cannot be one, before any work starts: `--out results.csv` naming an existing
 * file (or a path under a file) would otherwise fail only after the model loaded and the first image was done.
 * A folder, or a path that does not exist yet under a folder, is accepted (nothing is created here).
 * Returns the absolute path.
 *
 * @example const outDir = await ensureOutputDir(values.out, '--out');
 */
export async function ensureOutputDir(path: string, flag: string): Promise<string> {
  const absolute = resolve(path);
  for (let current = absolute; ; current = dirname(current)) {
    const kind = await pathKind(current);
    if (kind === 'folder' || kind === 'unknown') return absolute;
    if (kind === 'file') throw notAFolder(path, flag, current === absolute ? 'an existing file' : `a path under the file ${current}`);
    if (dirname(current) === current) return absolute;
  }
}

function notAFolder(path: string, flag: string, what: string): InvalidArgumentError {
  // The whole path, not describeValue's shortened one: the end of a path is the part a user needs.
  return new InvalidArgumentError(`expected a folder (or a path that does not exist yet) for ${flag} but received '${path}', ${what}`);
}
