/**
 * What protects an output folder: a lock file, so that a second process stops with a clear message
 * instead of racing the first, and the identity of the run (settings, weights, head), so that a folder
 * never mixes masks made with different settings without being asked to.
 */
import { open, readFile, rm, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { mkdir } from 'node:fs/promises';
import { RunFolderError, sha256Bytes, writeJsonAtomic } from '../../core/index.js';
import { stableStringify } from './run-store.js';

export const LOCK_FILE = '.explainseg.lock';
export const IDENTITY_FILE = 'run-identity.json';

interface LockContent {
  readonly pid: number;
  readonly host: string;
  readonly startedAt: string;
}

/** Whether a process with this id runs on this machine (signal 0 tests without sending anything). */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readLock(path: string): Promise<LockContent | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as LockContent;
  } catch {
    return undefined;
  }
}

export interface RunLock {
  release(): Promise<void>;
}

/**
 * Takes `dir`'s lock or throws RunFolderError naming the process that holds it. A lock left by a process
 * that no longer runs on this machine (a kill) is taken over.
 */
export async function lockRunFolder(dir: string): Promise<RunLock> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, LOCK_FILE);
  const content: LockContent = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString() };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(path, 'wx');
      await handle.writeFile(JSON.stringify(content));
      await handle.close();
      return { release: () => unlink(path).catch(() => undefined) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = await readLock(path);
      const stale = holder !== undefined && holder.host === content.host && !isAlive(holder.pid);
      if (!stale) {
        const who = holder ? `process ${holder.pid} on ${holder.host} (since ${holder.startedAt})` : 'another process';
        throw new RunFolderError(dir, `is being written by ${who}; wait for it to finish, or write to another --out (delete ${LOCK_FILE} only if no such process runs)`);
      }
      await rm(path, { force: true });
    }
  }
  throw new RunFolderError(dir, `could not take the lock ${LOCK_FILE}`);
}

/** The settings a run folder's results depend on, as one hash (config, weights, head, ...). */
export function runIdentityKey(identity: unknown): string {
  return sha256Bytes(stableStringify(identity));
}

/**
 * Records the run's identity in the folder, or throws when the folder holds a run with another identity,
 * unless `forceNew` (then the caller starts the folder afresh). Returns whether an earlier run of another
 * identity was found.
 */
export async function claimRunIdentity(dir: string, identity: unknown, options: { forceNew?: boolean } = {}): Promise<{ replaced: boolean }> {
  const path = join(dir, IDENTITY_FILE);
  const key = runIdentityKey(identity);
  const previous = await readFile(path, 'utf8').then((text) => JSON.parse(text) as { key?: string }, () => undefined);
  const replaced = previous !== undefined && previous.key !== key;
  if (replaced && !options.forceNew) {
    throw new RunFolderError(dir, 'holds results made with other settings, weights or head; write to a new --out, or pass --force-new-config to replace them');
  }
  await writeJsonAtomic(path, { key, identity });
  return { replaced };
}
