import { inflateRawSync } from 'node:zlib';
import { weightsProblem } from './problem.js';

/** One member of a zip archive, located through the central directory. */
export interface ZipEntry {
  readonly name: string;
  readonly method: number;
  readonly compressedSize: number;
  readonly uncompressedSize: number;
  readonly localHeaderOffset: number;
}

const endOfCentralDirectory = 0x06054b50;
const zip64Locator = 0x07064b50;
const centralHeader = 0x02014b50;
const localHeader = 0x04034b50;
const stored = 0;
const deflated = 8;
const saturated32 = 0xffffffff;

/**
 * List a zip archive's members (PKWARE APPNOTE.TXT, sections 4.3.12-4.3.16 and the ZIP64 records).
 * PyTorch's writer always emits ZIP64 end records and data descriptors with zero sizes in the local
 * headers, so sizes come from the central directory, never from local headers.
 */
export function readZipEntries(bytes: Uint8Array, file: string): Map<string, ZipEntry> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const end = findEndRecord(view, file);
  let count = view.getUint16(end + 10, true);
  let directoryOffset = view.getUint32(end + 16, true);
  if (directoryOffset === saturated32 || count === 0xffff) ({ count, directoryOffset } = readZip64End(view, end, file));
  const entries = new Map<string, ZipEntry>();
  let position = directoryOffset;
  for (let i = 0; i < count; i++) {
    if (position + 46 > bytes.length || view.getUint32(position, true) !== centralHeader) {
      throw weightsProblem(file, `zip central directory entry ${i} is corrupt (at byte ${position})`);
    }
    const nameLength = view.getUint16(position + 28, true);
    const extraLength = view.getUint16(position + 30, true);
    const commentLength = view.getUint16(position + 32, true);
    const name = new TextDecoder().decode(bytes.subarray(position + 46, position + 46 + nameLength));
    const sizes = {
      uncompressedSize: view.getUint32(position + 24, true),
      compressedSize: view.getUint32(position + 20, true),
      localHeaderOffset: view.getUint32(position + 42, true),
    };
    applyZip64Extra(view, position + 46 + nameLength, extraLength, sizes);
    entries.set(name, { name, method: view.getUint16(position + 10, true), ...sizes });
    position += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

function findEndRecord(view: DataView, file: string): number {
  const earliest = Math.max(0, view.byteLength - 22 - 0xffff);
  for (let position = view.byteLength - 22; position >= earliest; position--) {
    if (view.getUint32(position, true) === endOfCentralDirectory) return position;
  }
  throw weightsProblem(file, 'not a zip archive (no end-of-central-directory record)');
}

function readZip64End(view: DataView, end: number, file: string): { count: number; directoryOffset: number } {
  const locator = end - 20;
  if (locator < 0 || view.getUint32(locator, true) !== zip64Locator) throw weightsProblem(file, 'zip64 end record locator is missing');
  const record = Number(view.getBigUint64(locator + 8, true));
  return { count: Number(view.getBigUint64(record + 32, true)), directoryOffset: Number(view.getBigUint64(record + 48, true)) };
}

/** ZIP64 extra field (id 1): 64-bit values in this order, present only for the 32-bit fields that are saturated. */
function applyZip64Extra(
  view: DataView,
  start: number,
  length: number,
  sizes: { uncompressedSize: number; compressedSize: number; localHeaderOffset: number },
): void {
  for (let position = start; position + 4 <= start + length; ) {
    const id = view.getUint16(position, true);
    const size = view.getUint16(position + 2, true);
    if (id === 0x0001) {
      let field = position + 4;
      for (const key of ['uncompressedSize', 'compressedSize', 'localHeaderOffset'] as const) {
        if (sizes[key] !== saturated32) continue;
        sizes[key] = Number(view.getBigUint64(field, true));
        field += 8;
      }
    }
    position += 4 + size;
  }
}

/** The uncompressed bytes of one member: a view into `bytes` when stored, a new buffer when deflated. */
export function readZipEntry(bytes: Uint8Array, entry: ZipEntry, file: string): Uint8Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const at = entry.localHeaderOffset;
  if (at + 30 > bytes.length || view.getUint32(at, true) !== localHeader) {
    throw weightsProblem(file, `zip member '${entry.name}' has no local header at byte ${at}`);
  }
  const dataStart = at + 30 + view.getUint16(at + 26, true) + view.getUint16(at + 28, true);
  if (dataStart + entry.compressedSize > bytes.length) {
    throw weightsProblem(file, `zip member '${entry.name}' runs past the end of the file (truncated download?)`);
  }
  const raw = bytes.subarray(dataStart, dataStart + entry.compressedSize);
  if (entry.method === stored) return raw;
  if (entry.method === deflated) {
    try {
      return new Uint8Array(inflateRawSync(raw));
    } catch (error) {
      throw weightsProblem(file, `zip member '${entry.name}' does not inflate (${(error as Error).message})`, { cause: error });
    }
  }
  throw weightsProblem(file, `zip member '${entry.name}' uses compression method ${entry.method}; only stored (0) and deflate (8) are supported`);
}
