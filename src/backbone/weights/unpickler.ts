/**
 * A minimal, safe unpickler for what `torch.save` writes for a state dict (pickle protocol 2, plus the
 * protocol 4 opcodes newer writers use). It never imports or calls anything: a GLOBAL becomes a
 * `PickleGlobal` and a call (REDUCE/NEWOBJ) becomes data, interpreted by the caller through `reduce`.
 * Opcode reference: CPython's Lib/pickletools.py.
 */

export interface PickleGlobal {
  readonly kind: 'global';
  readonly module: string;
  readonly name: string;
}

/** A call of a global the caller did not interpret (e.g. argparse.Namespace in a training checkpoint). */
export interface PickleObject {
  readonly kind: 'object';
  readonly callable: PickleGlobal;
  readonly args: unknown[];
  state?: unknown;
}

export interface UnpickleHooks {
  /** BINPERSID: turn a persistent id (torch: a storage tuple) into a value. */
  persistentLoad(id: unknown): unknown;
  /** REDUCE / NEWOBJ: return the value for `callable(*args)`, or undefined to keep a PickleObject. */
  reduce(callable: PickleGlobal, args: unknown[]): unknown;
}

export class PickleError extends Error {}

const mark = Symbol('mark');

export function isPickleGlobal(value: unknown): value is PickleGlobal {
  return typeof value === 'object' && value !== null && (value as PickleGlobal).kind === 'global';
}

export function unpickle(bytes: Uint8Array, hooks: UnpickleHooks): unknown {
  return new Unpickler(bytes, hooks).run();
}

class Unpickler {
  private position = 0;
  private stack: unknown[] = [];
  private readonly memo = new Map<number, unknown>();
  private readonly view: DataView;
  private readonly text = new TextDecoder();

  constructor(private readonly bytes: Uint8Array, private readonly hooks: UnpickleHooks) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  run(): unknown {
    for (;;) {
      const opcode = this.u8();
      if (opcode === 0x2e) return this.pop(); // STOP
      this.step(opcode);
    }
  }

  private step(opcode: number): void {
    switch (opcode) {
      case 0x80: this.u8(); return; // PROTO
      case 0x95: this.position += 8; return; // FRAME: frames are just a buffering hint
      case 0x7d: this.stack.push(new Map()); return; // EMPTY_DICT
      case 0x5d: this.stack.push([]); return; // EMPTY_LIST
      case 0x29: this.stack.push([]); return; // EMPTY_TUPLE
      case 0x28: this.stack.push(mark); return; // MARK
      case 0x58: this.stack.push(this.utf8(this.u32())); return; // BINUNICODE
      case 0x8c: this.stack.push(this.utf8(this.u8())); return; // SHORT_BINUNICODE
      case 0x55: this.stack.push(this.latin1(this.u8())); return; // SHORT_BINSTRING
      case 0x54: this.stack.push(this.latin1(this.u32())); return; // BINSTRING
      case 0x43: this.stack.push(this.take(this.u8()).slice()); return; // SHORT_BINBYTES
      case 0x42: this.stack.push(this.take(this.u32()).slice()); return; // BINBYTES
      case 0x71: this.memo.set(this.u8(), this.top()); return; // BINPUT
      case 0x72: this.memo.set(this.u32(), this.top()); return; // LONG_BINPUT
      case 0x94: this.memo.set(this.memo.size, this.top()); return; // MEMOIZE
      case 0x68: this.stack.push(this.memoGet(this.u8())); return; // BINGET
      case 0x6a: this.stack.push(this.memoGet(this.u32())); return; // LONG_BINGET
      case 0x63: this.stack.push(this.global(this.line(), this.line())); return; // GLOBAL
      case 0x93: { const name = this.pop(); this.stack.push(this.global(String(this.pop()), String(name))); return; } // STACK_GLOBAL
      case 0x51: this.stack.push(this.hooks.persistentLoad(this.pop())); return; // BINPERSID
      case 0x74: this.stack.push(this.popMark()); return; // TUPLE
      case 0x85: this.stack.push([this.pop()]); return; // TUPLE1
      case 0x86: { const b = this.pop(); this.stack.push([this.pop(), b]); return; } // TUPLE2
      case 0x87: { const c = this.pop(); const b = this.pop(); this.stack.push([this.pop(), b, c]); return; } // TUPLE3
      case 0x4a: this.stack.push(this.view.getInt32(this.advance(4), true)); return; // BININT
      case 0x4b: this.stack.push(this.u8()); return; // BININT1
      case 0x4d: this.stack.push(this.view.getUint16(this.advance(2), true)); return; // BININT2
      case 0x8a: this.stack.push(this.long(this.u8())); return; // LONG1
      case 0x47: this.stack.push(this.view.getFloat64(this.advance(8), false)); return; // BINFLOAT (big-endian)
      case 0x88: this.stack.push(true); return; // NEWTRUE
      case 0x89: this.stack.push(false); return; // NEWFALSE
      case 0x4e: this.stack.push(null); return; // NONE
      case 0x52: { const args = this.pop(); this.stack.push(this.call(this.pop(), args)); return; } // REDUCE
      case 0x81: { const args = this.pop(); this.stack.push(this.call(this.pop(), args)); return; } // NEWOBJ
      case 0x73: { const value = this.pop(); const key = this.pop(); this.setItems(this.top(), [key, value]); return; } // SETITEM
      case 0x75: { const items = this.popMark(); this.setItems(this.top(), items); return; } // SETITEMS
      case 0x61: { const value = this.pop(); this.appendTo(this.top(), [value]); return; } // APPEND
      case 0x65: { const items = this.popMark(); this.appendTo(this.top(), items); return; } // APPENDS
      case 0x62: { const state = this.pop(); this.build(this.top(), state); return; } // BUILD
      case 0x30: this.pop(); return; // POP
      case 0x31: this.popMark(); return; // POP_MARK
      case 0x32: this.stack.push(this.top()); return; // DUP
      default:
        throw new PickleError(`unsupported pickle opcode 0x${opcode.toString(16).padStart(2, '0')} at byte ${this.position - 1}`);
    }
  }

  private call(callable: unknown, args: unknown): unknown {
    if (!isPickleGlobal(callable) || !Array.isArray(args)) throw new PickleError('REDUCE expects a global and an argument tuple');
    return this.hooks.reduce(callable, args) ?? ({ kind: 'object', callable, args } satisfies PickleObject);
  }

  private global(module: string, name: string): PickleGlobal {
    return { kind: 'global', module, name };
  }

  private setItems(target: unknown, items: unknown[]): void {
    if (!(target instanceof Map)) throw new PickleError('SETITEM(S) expects a dict on the stack');
    for (let i = 0; i + 1 < items.length; i += 2) target.set(items[i], items[i + 1]);
  }

  private appendTo(target: unknown, items: unknown[]): void {
    if (!Array.isArray(target)) throw new PickleError('APPEND(S) expects a list on the stack');
    target.push(...items);
  }

  /** BUILD sets an object's state; dict subclasses (OrderedDict with `_metadata`) keep their items. */
  private build(target: unknown, state: unknown): void {
    if (typeof target === 'object' && target !== null && (target as PickleObject).kind === 'object') (target as PickleObject).state = state;
  }

  private popMark(): unknown[] {
    const index = this.stack.lastIndexOf(mark);
    if (index < 0) throw new PickleError('MARK expected on the stack');
    const items = this.stack.slice(index + 1);
    this.stack.length = index;
    return items;
  }

  private pop(): unknown {
    if (this.stack.length === 0) throw new PickleError(`stack underflow at byte ${this.position}`);
    return this.stack.pop();
  }

  private top(): unknown {
    if (this.stack.length === 0) throw new PickleError(`stack underflow at byte ${this.position}`);
    return this.stack[this.stack.length - 1];
  }

  private memoGet(index: number): unknown {
    if (!this.memo.has(index)) throw new PickleError(`memo entry ${index} is not defined`);
    return this.memo.get(index);
  }

  /** Little-endian two's-complement integer of `length` bytes; a JS number when it is exact. */
  private long(length: number): number | bigint {
    const digits = this.take(length);
    let value = 0n;
    for (let i = length - 1; i >= 0; i--) value = (value << 8n) | BigInt(digits[i]!);
    if (length > 0 && digits[length - 1]! & 0x80) value -= 1n << BigInt(8 * length);
    return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
  }

  private advance(count: number): number {
    const at = this.position;
    if (at + count > this.bytes.length) throw new PickleError(`pickle ends inside an opcode at byte ${at}`);
    this.position += count;
    return at;
  }

  private take(count: number): Uint8Array {
    const at = this.advance(count);
    return this.bytes.subarray(at, at + count);
  }

  private u8(): number {
    return this.bytes[this.advance(1)]!;
  }

  private u32(): number {
    return this.view.getUint32(this.advance(4), true);
  }

  private utf8(length: number): string {
    return this.text.decode(this.take(length));
  }

  private latin1(length: number): string {
    return String.fromCharCode(...this.take(length));
  }

  private line(): string {
    const end = this.bytes.indexOf(0x0a, this.position);
    if (end < 0) throw new PickleError('GLOBAL name is not terminated');
    const value = this.latin1(end - this.position);
    this.position = end + 1;
    return value;
  }
}
