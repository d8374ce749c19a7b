import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { WeightsError } from '../../core/errors.js';
import { weightsProblem } from './problem.js';
import { sha256Bytes } from '../../core/io/files.js';
import { tensorSize, type NamedTensor } from '../state-dict.js';
import { bytesPerElement, decodeToFloat32, type WeightsDtype } from './dtypes.js';
import type { RawTensors } from './safetensors.js';

const dtypeByDescr: Readonly<Record<string, WeightsDtype>> = { '<f4': 'float32', '<f2': 'float16' };
const magic = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // "\x93NUMPY"

export function isNpy(bytes: Uint8Array): boolean {
  return magic.every((byte, i) => bytes[i] === byte);
}

/**
 * Read one .npy array (NumPy's format spec, numpy/lib/format.py): magic, version byte pair, header length
 * (2 bytes in v1, 4 in v2/v3), a Python-literal dict with descr, fortran_order and shape, then the data.
 */
export function parseNpy(bytes: Uint8Array, file: string): { tensor: NamedTensor; dtype: WeightsDtype } {
  if (!isNpy(bytes) || bytes.length < 10) throw weightsProblem(file, 'not a .npy file (missing \\x93NUMPY magic)');
  const major = bytes[6]!;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (major < 1 || major > 3) throw weightsProblem(file, `expected .npy format version 1, 2 or 3 but received ${major}`);
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const headerStart = major === 1 ? 10 : 12;
  const header = new TextDecoder().decode(bytes.subarray(headerStart, headerStart + headerLength));
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) throw weightsProblem(file, `unreadable .npy header ${header.trim()}`);
  const dtype = dtypeByDescr[descr];
  if (!dtype) throw weightsProblem(file, `expected dtype <f4 or <f2 but received ${descr}`);
  if (fortran === 'True') throw weightsProblem(file, 'expected C order but received fortran_order: True');
  const shape = shapeText.split(',').map((s) => s.trim()).filter((s) => s.length > 0).map(Number);
  const dataStart = headerStart + headerLength;
  const count = tensorSize(shape);
  if (dataStart + count * bytesPerElement[dtype] > bytes.length) {
    throw weightsProblem(file, `expected ${count * bytesPerElement[dtype]} data bytes for shape (${shape.join(', ')}) but received ${bytes.length - dataStart}`);
  }
  return { tensor: { shape, data: decodeToFloat32(bytes, dataStart, count, dtype) }, dtype };
}

/**
 * Read a folder of .npy files, one tensor per file, named by the file stem (`conv_0_weight.npy` ->
 * `conv_0_weight`). With a TENSORS.tsv (columns file, shape, dtype, bytes, sha256) every listed file must
 * exist with that shape and SHA-256. Returns the tensors and the SHA-256 of the sorted "file<TAB>sha256" lines.
 */
export async function readNpyFolder(folder: string): Promise<RawTensors & { sha256: string }> {
  const listing = await readTensorListing(folder);
  const files = listing ? [...listing.keys()] : (await readdir(folder)).filter((name) => name.endsWith('.npy'));
  if (files.length === 0) throw weightsProblem(folder, 'no .npy files in the folder');
  const tensors = new Map<string, NamedTensor>();
  const dtypes = new Map<string, WeightsDtype>();
  const digestLines: string[] = [];
  const problems: string[] = [];
  for (const fileName of [...files].sort()) {
    const path = join(listing ? join(folder, 'tensors') : folder, fileName);
    const bytes = await readFile(path).catch(() => undefined);
    if (!bytes) {
      problems.push(`${fileName}: listed but missing`);
      continue;
    }
    const digest = sha256Bytes(bytes);
    const { tensor, dtype } = parseNpy(bytes, path);
    const listed = listing?.get(fileName);
    if (listed && listed.sha256 !== digest) problems.push(`${fileName}: expected SHA-256 ${listed.sha256} but received ${digest}`);
    if (listed && listed.shape !== tensor.shape.join('x')) problems.push(`${fileName}: expected shape ${listed.shape} but received ${tensor.shape.join('x')}`);
    const name = fileName.replace(/\.npy$/, '');
    tensors.set(name, tensor);
    dtypes.set(name, dtype);
    digestLines.push(`${fileName}\t${digest}\n`);
  }
  if (problems.length > 0) throw new WeightsError(folder, problems);
  return { tensors, dtypes, metadata: {}, ignored: [], sha256: sha256Bytes(digestLines.join('')) };
}

/** TENSORS.tsv sits next to a `tensors/` folder (the shared MobileNetV2 layout); absent means "all .npy files here". */
async function readTensorListing(folder: string): Promise<Map<string, { shape: string; sha256: string }> | undefined> {
  const text = await readFile(join(folder, 'TENSORS.tsv'), 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  const rows = text.split('\n').slice(1).filter((line) => line.trim().length > 0).map((line) => line.split('\t'));
  return new Map(rows.map(([file, shape, , , sha256]) => [file!, { shape: shape!, sha256: (sha256 ?? '').trim() }]));
}
