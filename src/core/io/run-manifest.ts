import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sha256Path, writeJsonAtomic } from './files.js';

/** What every run folder records so that a run can be understood and repeated: `run.json`. */
export interface RunManifest {
  readonly tool: { name: 'explainseg'; version: string };
  readonly node: string;
  readonly platform: string;
  readonly command: string;
  readonly startedAt: string;
  readonly finishedAt?: string;
  readonly seed?: number;
  readonly config: unknown;
  readonly inputs: Record<string, string>;
  readonly weights?: Record<string, string>;
  readonly timingsMs: Record<string, number>;
}

export interface ManifestOptions {
  command: string;
  config: unknown;
  seed?: number;
  startedAt: Date;
  /** Files to fingerprint with SHA-256, by a name that says what they are. */
  inputFiles?: Record<string, string>;
  /** Weights files or folders (a folder: sha256Folder), or their digest already computed (`{ path, sha256 }`, hex). */
  weightFiles?: Record<string, string | { readonly path: string; readonly sha256: string }>;
  timingsMs?: Record<string, number>;
}

let cachedVersion: string | undefined;

export async function toolVersion(): Promise<string> {
  if (cachedVersion) return cachedVersion;
  const packageJson = new URL('../../../package.json', import.meta.url);
  cachedVersion = (JSON.parse(await readFile(packageJson, 'utf8')) as { version: string }).version;
  return cachedVersion;
}

async function fingerprint(files: NonNullable<ManifestOptions['weightFiles']> = {}): Promise<Record<string, string>> {
  const digest = async (file: string | { readonly path: string; readonly sha256: string }): Promise<string> => (typeof file === 'string' ? sha256Path(file) : file.sha256);
  const entries = await Promise.all(Object.entries(files).map(async ([name, file]) => [name, `sha256:${await digest(file)}`] as const));
  return Object.fromEntries(entries);
}

export async function buildRunManifest(options: ManifestOptions): Promise<RunManifest> {
  return {
    tool: { name: 'explainseg', version: await toolVersion() },
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    command: options.command,
    startedAt: options.startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    ...(options.seed === undefined ? {} : { seed: options.seed }),
    config: options.config,
    inputs: await fingerprint(options.inputFiles),
    weights: await fingerprint(options.weightFiles),
    timingsMs: options.timingsMs ?? {},
  };
}

export async function writeRunManifest(dir: string, options: ManifestOptions): Promise<RunManifest> {
  const manifest = await buildRunManifest(options);
  await writeJsonAtomic(join(dir, 'run.json'), manifest);
  return manifest;
}
