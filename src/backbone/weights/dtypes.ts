/**
 * Element types found in weights files and their conversion to float32. Weights files are
 * little-endian on every platform we read (safetensors, torch zip archives and .npy `<` all say so),
 * so decoding goes through DataView with an explicit byte order rather than typed-array casts.
 */
export type WeightsDtype = 'float32' | 'float16' | 'bfloat16';

export const bytesPerElement: Readonly<Record<WeightsDtype, number>> = { float32: 4, float16: 2, bfloat16: 2 };

/**
 * IEEE 754 binary16 to a JS number: sign, 5-bit exponent (bias 15), 10-bit fraction;
 * exponent 0 is subnormal (fraction * 2^-24), exponent 31 is infinity or NaN.
 */
export function float16ToNumber(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 0x1f) return fraction === 0 ? sign * Infinity : NaN;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

/** bfloat16 is the upper half of a binary32: widening is a 16-bit shift of the bit pattern. */
export function bfloat16ToNumber(bits: number): number {
  scratchBits[0] = (bits & 0xffff) << 16;
  return scratchFloat[0]!;
}

const scratchBits = new Uint32Array(1);
const scratchFloat = new Float32Array(scratchBits.buffer);

/** Precomputed table: converting 22 M half values one by one through Math.pow would be slow. */
let float16Table: Float32Array | undefined;
function float16Lookup(): Float32Array {
  if (!float16Table) {
    float16Table = new Float32Array(65536);
    for (let bits = 0; bits < 65536; bits++) float16Table[bits] = float16ToNumber(bits);
  }
  return float16Table;
}

/**
 * Decode `count` little-endian elements of `dtype` starting at `byteOffset` into a new Float32Array.
 * The caller has checked that the bytes exist.
 */
export function decodeToFloat32(bytes: Uint8Array, byteOffset: number, count: number, dtype: WeightsDtype): Float32Array {
  const source = bytes.subarray(byteOffset, byteOffset + count * bytesPerElement[dtype]);
  if (!hostIsLittleEndian) return decodeWithDataView(source, count, dtype);
  // Copy the bytes into aligned typed arrays first: per-element DataView reads are several times slower.
  if (dtype === 'float32') {
    const out = new Float32Array(count);
    new Uint8Array(out.buffer).set(source);
    return out;
  }
  const halves = new Uint16Array(count);
  new Uint8Array(halves.buffer).set(source);
  const out = new Float32Array(count);
  if (dtype === 'float16') {
    const table = float16Lookup();
    for (let i = 0; i < count; i++) out[i] = table[halves[i]!]!;
  } else {
    const wide = new Uint32Array(out.buffer);
    for (let i = 0; i < count; i++) wide[i] = halves[i]! << 16;
  }
  return out;
}

const hostIsLittleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function decodeWithDataView(source: Uint8Array, count: number, dtype: WeightsDtype): Float32Array {
  const view = new DataView(source.buffer, source.byteOffset, source.byteLength);
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    if (dtype === 'float32') out[i] = view.getFloat32(i * 4, true);
    else if (dtype === 'float16') out[i] = float16ToNumber(view.getUint16(i * 2, true));
    else out[i] = bfloat16ToNumber(view.getUint16(i * 2, true));
  }
  return out;
}
