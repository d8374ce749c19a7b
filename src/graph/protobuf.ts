/**
 * A minimal protocol-buffers wire-format writer: just what an ONNX ModelProto needs
 * (varints, length-delimited fields, nested messages). Written by hand so the engine needs no
 * protobuf dependency; see https://protobuf.dev/programming-guides/encoding/.
 *
 * Bytes are collected as a list of chunks and joined once, so large tensors (raw float data)
 * are copied exactly once, into the final buffer.
 */
const WIRE_VARINT = 0;
const WIRE_LENGTH_DELIMITED = 2;
const WIRE_FIXED32 = 5;

export class ProtoWriter {
  private readonly chunks: Uint8Array[] = [];
  private pending: number[] = [];
  private size = 0;

  /** Total number of bytes written so far. */
  get length(): number {
    return this.size + this.pending.length;
  }

  /** A varint-encoded integer field. Negative numbers take ten bytes (two's complement), as protobuf's int64. */
  varintField(field: number, value: number | bigint): void {
    this.tag(field, WIRE_VARINT);
    this.varint(value);
  }

  /** A 32-bit float field (fixed32, little-endian). */
  float32Field(field: number, value: number): void {
    this.tag(field, WIRE_FIXED32);
    const bytes = new Uint8Array(4);
    new DataView(bytes.buffer).setFloat32(0, value, true);
    for (const byte of bytes) this.pending.push(byte);
  }

  /** A length-delimited field holding raw bytes. */
  bytesField(field: number, bytes: Uint8Array): void {
    this.tag(field, WIRE_LENGTH_DELIMITED);
    this.varint(bytes.length);
    this.flushPending();
    if (bytes.length > 0) this.chunks.push(bytes);
    this.size += bytes.length;
  }

  stringField(field: number, text: string): void {
    this.bytesField(field, new TextEncoder().encode(text));
  }

  /** A nested message: the child writer's bytes behind their length. */
  messageField(field: number, child: ProtoWriter): void {
    this.tag(field, WIRE_LENGTH_DELIMITED);
    this.varint(child.length);
    child.flushPending();
    this.flushPending();
    for (const chunk of child.chunks) this.chunks.push(chunk);
    this.size += child.size;
  }

  /** Join every chunk into one buffer. */
  finish(): Uint8Array {
    this.flushPending();
    const out = new Uint8Array(this.size);
    let offset = 0;
    for (const chunk of this.chunks) {
      out.set(chunk, offset);
      offset += chunk.length;
    }
    return out;
  }

  private tag(field: number, wireType: number): void {
    this.varint(field * 8 + wireType);
  }

  private varint(value: number | bigint): void {
    let v = BigInt.asUintN(64, BigInt(value));
    if (typeof value === 'number' && value >= 0 && value < 2 ** 31) {
      let n = value;
      while (n >= 0x80) {
        this.pending.push((n & 0x7f) | 0x80);
        n >>>= 7;
      }
      this.pending.push(n);
      return;
    }
    while (v >= 0x80n) {
      this.pending.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    this.pending.push(Number(v));
  }

  private flushPending(): void {
    if (this.pending.length === 0) return;
    this.chunks.push(Uint8Array.from(this.pending));
    this.size += this.pending.length;
    this.pending = [];
  }
}
