import { readFile, stat } from 'node:fs/promises';
import { extname } from 'node:path';
import { InputFileError } from '../../core/errors.js';
import { weightsProblem } from './problem.js';
import { sha256Bytes } from '../../core/io/files.js';
import type { StateDict } from '../state-dict.js';
import type { WeightsDtype } from './dtypes.js';
import { normalizeVitNames } from './names.js';
import { isNpy, parseNpy, readNpyFolder } from './npy.js';
import { parsePth } from './pth.js';
import { parseSafetensors, type RawTensors } from './safetensors.js';

export type WeightsFormat = 'pth' | 'safetensors' | 'npy' | 'npy-folder';

export interface LoadedWeights {
  /** Float32 tensors in DINO/timm names (ViT files) or file-stem names (.npy folders). */
  readonly stateDict: StateDict;
  /** SHA-256 of the file (for a folder: of its sorted "file<TAB>sha256" lines). */
  readonly sha256: string;
  readonly format: WeightsFormat;
  /** Source names left out, each with the reason (DINO head, pooler, student copy, non-tensor entries). */
  readonly ignored: string[];
  /** The element types found in the file, before conversion to float32. */
  readonly dtypes: WeightsDtype[];
  readonly metadata: Record<string, string>;
}

const zipMagic = [0x50, 0x4b, 0x03, 0x04];

/**
 * Load weights from a torch.save checkpoint (.pth/.pt), a safetensors file, a .npy file or a folder of
 * .npy files. The format is decided by content (magic bytes) first and by extension only for safetensors,
 * whose header has no magic. Tensors are converted to float32 and renamed to DINO/timm names.
 */
export async function loadWeights(path: string): Promise<LoadedWeights> {
  const info = await stat(path).catch((error: unknown) => {
    throw new InputFileError(path, 'does not exist or cannot be read', { cause: error });
  });
  if (info.isDirectory()) {
    const { sha256, ...raw } = await readNpyFolder(path);
    return finish(raw, { sha256, format: 'npy-folder', renameVit: false });
  }
  const bytes = new Uint8Array(await readFile(path));
  const sha256 = sha256Bytes(bytes);
  const format = detectFormat(bytes, path);
  if (format === 'npy') {
    const { tensor, dtype } = parseNpy(bytes, path);
    const name = 'array';
    return finish({ tensors: new Map([[name, tensor]]), dtypes: new Map([[name, dtype]]), metadata: {}, ignored: [] }, { sha256, format, renameVit: false });
  }
  const raw = format === 'pth' ? parsePth(bytes, path) : parseSafetensors(bytes, path);
  return finish(raw, { sha256, format, renameVit: true });
}

export function detectFormat(bytes: Uint8Array, path: string): Exclude<WeightsFormat, 'npy-folder'> {
  if (zipMagic.every((byte, i) => bytes[i] === byte)) return 'pth';
  if (isNpy(bytes)) return 'npy';
  // Legacy torch.save: a protocol-2 pickle starting with the LONG1 magic number 0x1950a86a20f9469cfc6c.
  if (bytes[0] === 0x80 && bytes[1] === 0x02 && bytes[2] === 0x8a && bytes[3] === 0x0a) {
    throw weightsProblem(path, 'a legacy (PyTorch < 1.6) checkpoint is not supported; re-save it with torch.save in PyTorch >= 1.6');
  }
  if (extname(path) === '.safetensors' || looksLikeSafetensors(bytes)) return 'safetensors';
  throw weightsProblem(path, 'unknown weights format: expected a torch.save zip checkpoint, a safetensors file or a .npy file');
}

/** A safetensors header starts with a JSON object right after its 8-byte length. */
function looksLikeSafetensors(bytes: Uint8Array): boolean {
  return bytes.length > 9 && bytes[8] === 0x7b;
}

function finish(raw: RawTensors, options: { sha256: string; format: WeightsFormat; renameVit: boolean }): LoadedWeights {
  const named = options.renameVit ? normalizeVitNames(raw.tensors) : { stateDict: raw.tensors, ignored: [] };
  return {
    stateDict: named.stateDict,
    sha256: options.sha256,
    format: options.format,
    ignored: [...raw.ignored, ...named.ignored],
    dtypes: [...new Set(raw.dtypes.values())].sort(),
    metadata: raw.metadata,
  };
}
