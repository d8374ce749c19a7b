import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { InputFileError } from '../../core/errors.js';
import {
  defaultCacheDir, downloadVerified, isFile, recordSha256, type VerifiedDownload, type VerifiedDownloadOptions,
} from '../../core/io/download.js';
import { ensure } from '../../core/validate.js';
import { weightsProblem } from './problem.js';

export { defaultCacheDir };

export interface KnownWeights {
  readonly url: string;
  readonly fileName: string;
  /** Published SHA-256, when one is known; otherwise the first download records its own. */
  readonly sha256: string | undefined;
  readonly description: string;
}

/**
 * Weights the CLI can fetch by name. Neither the DINO nor the DINOv2 release publishes a checksum for these
 * files and none is hard-coded here (an unverified constant would be a false promise): the first download
 * stores the computed SHA-256 next to the file and later runs verify against it.
 */
export const weightsRegistry: Readonly<Record<string, KnownWeights>> = {
  'dino-vits16': {
    url: 'https://dl.fbaipublicfiles.com/dino/dino_deitsmall16_pretrain/dino_deitsmall16_pretrain.pth',
    fileName: 'dino_deitsmall16_pretrain.pth',
    sha256: undefined,
    description: 'DINO ViT-S/16 teacher backbone, ImageNet self-supervised (Caron et al. 2021), float32 .pth, 86 MB',
  },
  'dinov2-vits14': {
    url: 'https://dl.fbaipublicfiles.com/dinov2/dinov2_vits14/dinov2_vits14_pretrain.pth',
    fileName: 'dinov2_vits14_pretrain.pth',
    sha256: undefined,
    description: 'DINOv2 ViT-S/14 backbone, LVD-142M self-supervised (Oquab et al. 2023), 21 M parameters, float32 .pth',
  },
  'dinov2-vits14-reg4': {
    url: 'https://dl.fbaipublicfiles.com/dinov2/dinov2_vits14/dinov2_vits14_reg4_pretrain.pth',
    fileName: 'dinov2_vits14_reg4_pretrain.pth',
    sha256: undefined,
    description: 'DINOv2 ViT-S/14 with 4 register tokens (Darcet et al. 2024), LVD-142M, 21 M parameters, float32 .pth',
  },
};

export function weightsCachePath(name: string, cacheDir: string): string {
  return join(cacheDir, 'weights', knownWeights(name).fileName);
}

export interface FetchWeightsOptions extends Omit<VerifiedDownloadOptions, 'url' | 'path' | 'publishedSha256'> {
  readonly cacheDir?: string;
  /** Download from here instead of the registry URL (a mirror, or a local server in tests). */
  readonly url?: string;
}

export type FetchWeightsResult = VerifiedDownload;

/**
 * Download named weights into the cache (`downloadVerified`: resumable, SHA-256 checked, renamed into
 * place when complete). With no published hash the first download records the computed one next to the
 * file, and later runs verify against it.
 */
export async function fetchWeights(name: string, options: FetchWeightsOptions = {}): Promise<FetchWeightsResult> {
  const known = knownWeights(name);
  const { cacheDir, url, ...rest } = options;
  const result = await downloadVerified({
    ...rest, url: url ?? known.url, path: weightsCachePath(name, cacheDir ?? defaultCacheDir()),
    ...(known.sha256 ? { publishedSha256: known.sha256 } : {}),
  });
  if (!result.verified) await recordSha256(result.path, result.sha256);
  return result;
}

function knownWeights(name: string): KnownWeights {
  const known = weightsRegistry[name];
  ensure(known !== undefined, `one of ${Object.keys(weightsRegistry).join(', ')}`, 'weights name', name);
  return known!;
}

export interface ResolveWeightsOptions {
  /** `--weights FILE` */
  readonly flag?: string;
  /** The value of EXPLAINSEG_WEIGHTS. */
  readonly env?: string;
  /** The cache folder (default: EXPLAINSEG_CACHE or ~/.cache/explainseg). */
  readonly cache?: string;
  readonly name?: string;
}

/** Find weights: `--weights`, then EXPLAINSEG_WEIGHTS, then the cache; otherwise say how to get them. */
export async function resolveWeightsPath(options: ResolveWeightsOptions = {}): Promise<{ path: string; source: 'flag' | 'env' | 'cache' }> {
  for (const [value, source, label] of [[options.flag, 'flag', '--weights'], [options.env, 'env', 'EXPLAINSEG_WEIGHTS']] as const) {
    if (!value) continue;
    if (!(await stat(value).catch(() => undefined))) throw new InputFileError(value, `named by ${label} but does not exist`);
    return { path: value, source };
  }
  const name = options.name ?? 'dino-vits16';
  const cached = weightsCachePath(name, options.cache ?? defaultCacheDir());
  if (await isFile(cached)) return { path: cached, source: 'cache' };
  throw weightsProblem('weights', `no weights found: pass --weights FILE, set EXPLAINSEG_WEIGHTS, or run 'explainseg weights fetch ${name}' (looked in ${cached})`);
}
