/**
 * Open-addressing hash table from integer lattice keys (d coordinates) to dense point indices,
 * the lookup structure of the permutohedral lattice (Adams, Baek & Davis 2010, Sec. 4.1).
 * Keys live in one growing Int32Array so that a lattice of a million points costs a few
 * typed arrays rather than a million small objects.
 */
const EMPTY = -1;
const INITIAL_POINT_CAPACITY = 1 << 12;

export class LatticeHashTable {
  readonly keyLength: number;
  private keys: Int32Array;
  private slots: Int32Array;
  private slotMask: number;
  private count = 0;

  constructor(keyLength: number, expectedPoints = INITIAL_POINT_CAPACITY) {
    this.keyLength = keyLength;
    const pointCapacity = Math.max(16, expectedPoints);
    this.keys = new Int32Array(pointCapacity * keyLength);
    const slotCount = nextPowerOfTwo(pointCapacity * 2);
    this.slots = new Int32Array(slotCount).fill(EMPTY);
    this.slotMask = slotCount - 1;
  }

  /** Number of distinct keys stored; indices run from 0 to size - 1 in insertion order. */
  get size(): number {
    return this.count;
  }

  /** The stored keys, point-major (size x keyLength); valid up to size * keyLength. */
  get keyData(): Int32Array {
    return this.keys;
  }

  /** Index of `key` (read from `source` at `offset`), inserting it when absent. */
  findOrInsert(source: Int32Array, offset = 0): number {
    let slot = this.hash(source, offset) & this.slotMask;
    for (;;) {
      const index = this.slots[slot]!;
      if (index === EMPTY) return this.insertAt(slot, source, offset);
      if (this.keyEquals(index, source, offset)) return index;
      slot = (slot + 1) & this.slotMask;
    }
  }

  /** Index of `key`, or -1 when the lattice has no such point (a neighbour outside the splatted region). */
  find(source: Int32Array, offset = 0): number {
    let slot = this.hash(source, offset) & this.slotMask;
    for (;;) {
      const index = this.slots[slot]!;
      if (index === EMPTY) return EMPTY;
      if (this.keyEquals(index, source, offset)) return index;
      slot = (slot + 1) & this.slotMask;
    }
  }

  private insertAt(slot: number, source: Int32Array, offset: number): number {
    const index = this.count;
    if ((index + 1) * this.keyLength > this.keys.length) this.growKeys();
    this.keys.set(source.subarray(offset, offset + this.keyLength), index * this.keyLength);
    this.count += 1;
    // Keep the load factor at or below one half so that linear probing stays short.
    if (this.count * 2 > this.slots.length) {
      this.rehash(this.slots.length * 2);
    } else {
      this.slots[slot] = index;
    }
    return index;
  }

  private keyEquals(index: number, source: Int32Array, offset: number): boolean {
    const base = index * this.keyLength;
    for (let i = 0; i < this.keyLength; i++) {
      if (this.keys[base + i] !== source[offset + i]) return false;
    }
    return true;
  }

  /** A multiplicative mix (FNV-style steps plus a murmur finaliser) so nearby keys spread over the table. */
  private hash(source: Int32Array, offset: number): number {
    let h = 0x811c9dc5;
    for (let i = 0; i < this.keyLength; i++) h = Math.imul(h ^ source[offset + i]!, 0x01000193);
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    return h >>> 0;
  }

  private growKeys(): void {
    const grown = new Int32Array(this.keys.length * 2);
    grown.set(this.keys);
    this.keys = grown;
  }

  /** Re-inserts every stored key into a larger slot array (the keys themselves do not move). */
  private rehash(slotCount: number): void {
    this.slots = new Int32Array(slotCount).fill(EMPTY);
    this.slotMask = slotCount - 1;
    for (let index = 0; index < this.count; index++) {
      let slot = this.hash(this.keys, index * this.keyLength) & this.slotMask;
      while (this.slots[slot] !== EMPTY) slot = (slot + 1) & this.slotMask;
      this.slots[slot] = index;
    }
  }
}

function nextPowerOfTwo(value: number): number {
  let power = 1;
  while (power < value) power *= 2;
  return power;
}
