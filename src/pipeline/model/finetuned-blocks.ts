/**
 * The fine-tuned last blocks of a ViT (paper Sec. 3.2, "optionally fine-tune F"), kept beside the head that
 * was trained with them: a safetensors file of float32 tensors in DINO/timm names, whose metadata records the
 * SHA-256 of the base weights they replace tensors of. A head that needs them names the file and its SHA-256
 * (head.json `finetuned`), so it is never used with other blocks, and the blocks are never put on another base.
 */
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { describeFileError, InputFileError, ModelMismatchError, sha256Bytes, WeightsError, writeFileAtomic } from '../../core/index.js';
import type { StateDict } from '../../backbone/index.js';
import { encodeSafetensors, float32Entry, parseSafetensors } from '../../backbone/index.js';
import type { FinetunedBlocksRef, HeadModel } from '../../head/index.js';

export const FINETUNED_BLOCKS_FORMAT = 'explainseg-finetuned-blocks';
/** The file name `train` writes beside head.json. */
export const FINETUNED_BLOCKS_FILE = 'finetuned-blocks.safetensors';

export interface FinetunedBlocks {
  readonly tensors: StateDict;
  /** Trained blocks at the end of the ViT. */
  readonly blocks: number;
  /** SHA-256 of the base weights the tensors were fine-tuned from. */
  readonly baseSha256: string;
}

/**
 * Writes the tensors atomically and returns the reference head.json keeps (file name and SHA-256).
 *
 * @example const ref = await saveFinetunedBlocks(join(out, FINETUNED_BLOCKS_FILE), { tensors, blocks: 2, baseSha256 });
 */
export async function saveFinetunedBlocks(path: string, blocks: FinetunedBlocks): Promise<FinetunedBlocksRef> {
  const entries = new Map([...blocks.tensors].sort(([a], [b]) => (a < b ? -1 : 1)).map(([name, tensor]) => [name, float32Entry(tensor)] as const));
  const bytes = encodeSafetensors(entries, { format: FINETUNED_BLOCKS_FORMAT, blocks: String(blocks.blocks), baseSha256: blocks.baseSha256 });
  await writeFileAtomic(path, bytes);
  return { blocks: blocks.blocks, file: path.split(/[\\/]/).pop()!, sha256: sha256Bytes(bytes) };
}

/**
 * Reads the blocks a head names and checks them: the file's SHA-256 against the head's record, the base it
 * was fine-tuned from against `baseSha256` (ModelMismatchError naming both hashes).
 */
export async function loadFinetunedBlocks(path: string, expected: { sha256: string; baseSha256: string }): Promise<FinetunedBlocks> {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(path));
  } catch (error) {
    throw new InputFileError(path, `${describeFileError(error, 'a file')}: the head was fine-tuned with these blocks and needs them`, { cause: error });
  }
  const sha256 = sha256Bytes(bytes);
  if (sha256 !== expected.sha256) {
    throw new ModelMismatchError(`expected fine-tuned blocks with SHA-256 ${expected.sha256} (recorded in the head) for ${path} but received a file with SHA-256 ${sha256}`);
  }
  const raw = parseSafetensors(bytes, path);
  if (raw.metadata.format !== FINETUNED_BLOCKS_FORMAT) throw new WeightsError(path, [`expected '${FINETUNED_BLOCKS_FORMAT}' for the metadata format but received ${JSON.stringify(raw.metadata.format)}`]);
  const baseSha256 = raw.metadata.baseSha256 ?? '';
  if (baseSha256 !== expected.baseSha256) {
    throw new ModelMismatchError(`expected base weights with SHA-256 ${baseSha256} (the ones ${path} was fine-tuned from) but received weights with SHA-256 ${expected.baseSha256}`);
  }
  return { tensors: raw.tensors, blocks: Number(raw.metadata.blocks), baseSha256 };
}

/** The base state dict with the fine-tuned tensors in place; each must replace a base tensor of its shape. */
export function withFinetunedTensors(base: StateDict, tensors: StateDict, file: string): StateDict {
  const problems: string[] = [];
  for (const [name, tensor] of tensors) {
    const original = base.get(name);
    if (!original) problems.push(`expected a tensor of the base weights for ${name} but received a name the base does not have`);
    else if (original.shape.join('x') !== tensor.shape.join('x')) problems.push(`expected shape [${original.shape.join(', ')}] for ${name} but received [${tensor.shape.join(', ')}]`);
  }
  if (problems.length > 0) throw new WeightsError(file, problems);
  const merged: StateDict = new Map(base);
  for (const [name, tensor] of tensors) merged.set(name, tensor);
  return merged;
}

/**
 * The weights a head runs on: the base itself, or, for a head with fine-tuned blocks, the base with the blocks
 * file beside `headPath` put in (after its checks).
 */
export async function weightsForHead(base: { stateDict: StateDict; sha256: string }, head: HeadModel, headPath: string): Promise<StateDict> {
  if (!head.finetuned) return base.stateDict;
  const path = join(dirname(headPath), head.finetuned.file);
  const blocks = await loadFinetunedBlocks(path, { sha256: head.finetuned.sha256, baseSha256: base.sha256 });
  return withFinetunedTensors(base.stateDict, blocks.tensors, path);
}
