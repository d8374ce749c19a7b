import { WeightsError } from '../../core/errors.js';
import { weightsProblem } from './problem.js';
import { tensorSize, type NamedTensor } from '../state-dict.js';
import { bytesPerElement, decodeToFloat32, type WeightsDtype } from './dtypes.js';

/** Tensors as found in one file, before renaming: source names, float32 data, and the source dtypes. */
export interface RawTensors {
  readonly tensors: Map<string, NamedTensor>;
  readonly dtypes: Map<string, WeightsDtype>;
  /** Free-form strings a format may carry (safetensors `__metadata__`). */
  readonly metadata: Record<string, string>;
  /** Entries that are not float tensors of the backbone (noted, never dropped silently). */
  readonly ignored: string[];
}

const dtypeBySafetensorsName: Readonly<Record<string, WeightsDtype>> = { F32: 'float32', F16: 'float16', BF16: 'bfloat16' };
const safetensorsNameByDtype: Readonly<Record<WeightsDtype, string>> = { float32: 'F32', float16: 'F16', bfloat16: 'BF16' };
/** A header is JSON text; anything beyond this is a corrupt length field, not a real header. */
const maxHeaderBytes = 100 * 1024 * 1024;

interface HeaderEntry {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

/**
 * Read a safetensors file (https://github.com/huggingface/safetensors, "format" section):
 * an 8-byte little-endian header length, a JSON header mapping names to {dtype, shape, data_offsets}
 * (offsets relative to the end of the header) plus optional `__metadata__`, then the raw bytes.
 */
export function parseSafetensors(bytes: Uint8Array, file: string): RawTensors {
  const { header, dataStart } = readHeader(bytes, file);
  const tensors = new Map<string, NamedTensor>();
  const dtypes = new Map<string, WeightsDtype>();
  const problems: string[] = [];
  const truncation = describeTruncation(header, bytes.length - dataStart);
  if (truncation) throw weightsProblem(file, truncation);
  for (const [name, value] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const problem = describeEntryProblem(value as HeaderEntry, bytes.length - dataStart);
    if (problem) {
      problems.push(`tensor '${name}': ${problem}`);
      continue;
    }
    const entry = value as HeaderEntry;
    const dtype = dtypeBySafetensorsName[entry.dtype]!;
    tensors.set(name, { shape: [...entry.shape], data: decodeToFloat32(bytes, dataStart + entry.data_offsets[0], tensorSize(entry.shape), dtype) });
    dtypes.set(name, dtype);
  }
  if (problems.length > 0) throw new WeightsError(file, problems);
  return { tensors, dtypes, metadata: readMetadata(header.__metadata__), ignored: [] };
}

/** One message for a cut-off download instead of one per tensor past the end. */
function describeTruncation(header: Record<string, unknown>, dataBytes: number): string | undefined {
  let end = 0;
  let beyond = 0;
  for (const [name, value] of Object.entries(header)) {
    const offsets = name === '__metadata__' ? undefined : (value as Partial<HeaderEntry>)?.data_offsets;
    if (!Array.isArray(offsets) || typeof offsets[1] !== 'number') continue;
    end = Math.max(end, offsets[1]);
    if (offsets[1] > dataBytes) beyond++;
  }
  if (beyond < 2) return undefined;
  return `truncated: the header describes ${end} data bytes but the file holds ${dataBytes} (${beyond} tensors reach past the end; was the download cut off?)`;
}

function readHeader(bytes: Uint8Array, file: string): { header: Record<string, unknown>; dataStart: number } {
  if (bytes.length < 8) throw weightsProblem(file, `expected at least 8 bytes for a safetensors file but received ${bytes.length}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  if (headerLength > Math.min(maxHeaderBytes, bytes.length - 8)) {
    throw weightsProblem(file, `expected a safetensors header length <= ${Math.min(maxHeaderBytes, bytes.length - 8)} but received ${headerLength}`);
  }
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength)));
  } catch (error) {
    throw weightsProblem(file, `safetensors header is not valid JSON (${(error as Error).message})`, { cause: error });
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) {
    throw weightsProblem(file, 'expected a JSON object for the safetensors header');
  }
  return { header: header as Record<string, unknown>, dataStart: 8 + headerLength };
}

function describeEntryProblem(entry: HeaderEntry | undefined, dataBytes: number): string | undefined {
  if (typeof entry !== 'object' || entry === null) return 'expected an object with dtype, shape and data_offsets';
  if (!(entry.dtype in dtypeBySafetensorsName)) return `expected dtype F32, F16 or BF16 but received ${String(entry.dtype)}`;
  const shapeOk = Array.isArray(entry.shape) && entry.shape.every((d) => Number.isInteger(d) && d >= 0);
  if (!shapeOk) return `expected a list of non-negative integers for shape but received ${JSON.stringify(entry.shape)}`;
  const offsets = entry.data_offsets;
  const offsetsOk = Array.isArray(offsets) && offsets.length === 2 && offsets.every((o) => Number.isInteger(o) && o >= 0) && offsets[0] <= offsets[1];
  if (!offsetsOk) return `expected data_offsets [begin, end] with 0 <= begin <= end but received ${JSON.stringify(offsets)}`;
  if (offsets[1] > dataBytes) return `expected data_offsets within the ${dataBytes} data bytes but received ${JSON.stringify(offsets)}`;
  const expectedBytes = tensorSize(entry.shape) * bytesPerElement[dtypeBySafetensorsName[entry.dtype]!];
  const receivedBytes = offsets[1] - offsets[0];
  if (receivedBytes !== expectedBytes) return `expected ${expectedBytes} bytes for shape [${entry.shape.join(', ')}] ${entry.dtype} but received ${receivedBytes}`;
  return undefined;
}

function readMetadata(value: unknown): Record<string, string> {
  if (typeof value !== 'object' || value === null) return {};
  return Object.fromEntries(Object.entries(value).map(([key, text]) => [key, String(text)]));
}

/** One tensor to write: raw little-endian bytes in the named dtype (so tests can write F16/BF16 too). */
export interface SafetensorsEntry {
  readonly dtype: WeightsDtype;
  readonly shape: readonly number[];
  readonly bytes: Uint8Array;
}

/** Write the safetensors layout (header padded with spaces to a multiple of 8, as the reference writer does). */
export function encodeSafetensors(entries: ReadonlyMap<string, SafetensorsEntry>, metadata: Record<string, string> = {}): Uint8Array {
  const header: Record<string, unknown> = Object.keys(metadata).length > 0 ? { __metadata__: metadata } : {};
  let offset = 0;
  for (const [name, entry] of entries) {
    header[name] = { dtype: safetensorsNameByDtype[entry.dtype], shape: [...entry.shape], data_offsets: [offset, offset + entry.bytes.length] };
    offset += entry.bytes.length;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (Buffer.byteLength(json) % 8)) % 8);
  const headerBytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + headerBytes.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let position = 8 + headerBytes.length;
  for (const entry of entries.values()) {
    out.set(entry.bytes, position);
    position += entry.bytes.length;
  }
  return out;
}

/** Float32 tensor to a little-endian F32 safetensors entry. */
export function float32Entry(tensor: NamedTensor): SafetensorsEntry {
  const bytes = new Uint8Array(tensor.data.length * 4);
  const view = new DataView(bytes.buffer);
  tensor.data.forEach((value, i) => view.setFloat32(i * 4, value, true));
  return { dtype: 'float32', shape: tensor.shape, bytes };
}
