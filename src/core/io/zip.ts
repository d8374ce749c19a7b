import { inflateRawSync } from 'node:zlib';
import { InputFileError } from '../errors.js';

/** One member of a zip archive, located through the central directory. */
export interface ZipEntry {
  readonly name: string;
  readonly method: number;
  readonly compressedSize: number;
  readonly uncompressedSize: number;
  readonly localHeaderOffset: number;
  /** General-purpose bit flags (bit 0: encrypted). */
  readonly flags: number;
  /** The host that wrote the entry (upper byte of "version made by": 0 MS-DOS, 3 Unix). */
  readonly madeBy: number;
  /** External attributes; on Unix hosts the upper 16 bits are the file mode (type and permissions). */
  readonly externalAttributes: number;
}

/** Builds the error for a problem with the archive; weights loaders report a WeightsError instead. */
export type ArchiveProblem = (file: string, problem: string, options?: { cause?: unknown }) => Error;

export interface ZipOptions {
  /** Default: an InputFileError naming the file. */
  readonly problem?: ArchiveProblem;
}

/** An archive held in memory: its members by name and a reader for one member's bytes. */
export interface ZipArchive {
  readonly entries: ReadonlyMap<string, ZipEntry>;
  /** The uncompressed bytes: a view into the archive when stored, a new buffer when deflated. */
  read(entry: ZipEntry): Uint8Array;
}

const endOfCentralDirectory = 0x06054b50;
const zip64Locator = 0x07064b50;
const centralHeader = 0x02014b50;
const localHeader = 0x04034b50;
const stored = 0;
const deflated = 8;
const saturated32 = 0xffffffff;

const inputFileProblem: ArchiveProblem = (file, problem, options) => new InputFileError(file, problem, options);

/**
 * Open a zip archive (PKWARE APPNOTE.TXT, sections 4.3.12-4.3.16 and the ZIP64 records). Sizes come from
 * the central directory, never from local headers: PyTorch's writer emits data descriptors with zero sizes
 * in the local headers (and always ZIP64 end records).
 */
export function openZip(bytes: Uint8Array, file: string, options: ZipOptions = {}): ZipArchive {
  const problem = options.problem ?? inputFileProblem;
  const entries = readEntries(bytes, file, problem);
  return { entries, read: (entry) => readEntry(bytes, entry, { file, problem }) };
}

function readEntries(bytes: Uint8Array, file: string, problem: ArchiveProblem): Map<string, ZipEntry> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const end = findEndRecord(view, file, problem);
  let count = view.getUint16(end + 10, true);
  let directoryOffset = view.getUint32(end + 16, true);
  if (directoryOffset === saturated32 || count === 0xffff) ({ count, directoryOffset } = readZip64End(view, end, { file, problem }));
  const entries = new Map<string, ZipEntry>();
  let position = directoryOffset;
  for (let i = 0; i < count; i++) {
    if (position + 46 > bytes.length || view.getUint32(position, true) !== centralHeader) {
      throw problem(file, `zip central directory entry ${i} is corrupt (at byte ${position})`);
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
    entries.set(name, {
      name, method: view.getUint16(position + 10, true), ...sizes, flags: view.getUint16(position + 8, true),
      madeBy: view.getUint8(position + 5), externalAttributes: view.getUint32(position + 38, true),
    });
    position += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

function findEndRecord(view: DataView, file: string, problem: ArchiveProblem): number {
  const earliest = Math.max(0, view.byteLength - 22 - 0xffff);
  for (let position = view.byteLength - 22; position >= earliest; position--) {
    if (view.getUint32(position, true) === endOfCentralDirectory) return position;
  }
  throw problem(file, 'not a zip archive (no end-of-central-directory record)');
}

function readZip64End(view: DataView, end: number, source: { file: string; problem: ArchiveProblem }): { count: number; directoryOffset: number } {
  const locator = end - 20;
  if (locator < 0 || view.getUint32(locator, true) !== zip64Locator) throw source.problem(source.file, 'zip64 end record locator is missing');
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

function readEntry(bytes: Uint8Array, entry: ZipEntry, source: { file: string; problem: ArchiveProblem }): Uint8Array {
  const { file, problem } = source;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const at = entry.localHeaderOffset;
  if (at + 30 > bytes.length || view.getUint32(at, true) !== localHeader) {
    throw problem(file, `zip member '${entry.name}' has no local header at byte ${at}`);
  }
  if ((entry.flags & 1) !== 0) throw problem(file, `zip member '${entry.name}' is encrypted`);
  const dataStart = at + 30 + view.getUint16(at + 26, true) + view.getUint16(at + 28, true);
  if (dataStart + entry.compressedSize > bytes.length) {
    throw problem(file, `zip member '${entry.name}' runs past the end of the file (truncated download?)`);
  }
  const raw = bytes.subarray(dataStart, dataStart + entry.compressedSize);
  if (entry.method === stored) return raw;
  if (entry.method === deflated) {
    let inflated: Buffer;
    try {
      // Never more than the central directory declares: a member cannot inflate into a memory bomb.
      inflated = inflateRawSync(raw, { maxOutputLength: Math.max(1, entry.uncompressedSize) });
    } catch (error) {
      throw problem(file, `zip member '${entry.name}' does not inflate to its declared ${entry.uncompressedSize} bytes (${(error as Error).message})`, { cause: error });
    }
    if (inflated.length !== entry.uncompressedSize) {
      throw problem(file, `zip member '${entry.name}' inflates to ${inflated.length} bytes but declares ${entry.uncompressedSize}`);
    }
    return new Uint8Array(inflated);
  }
  throw problem(file, `zip member '${entry.name}' uses compression method ${entry.method}; only stored (0) and deflate (8) are supported`);
}
