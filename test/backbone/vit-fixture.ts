/** Loads test/fixtures/vit/tiny-vit.json (see scripts/make-vit-fixtures.py) into typed arrays. */
import { readFileSync } from 'node:fs';
import type { StateDict } from '../../src/backbone/state-dict.js';

export interface TinyVitCase {
  readonly rows: number;
  readonly cols: number;
  readonly batch: number;
  readonly arrays: Record<'pixels' | 'seed' | 'gradient' | 'logits' | 'cls' | 'attention' | 'keys', Float32Array>;
}

export interface TinyVitFixture {
  readonly config: { patchSize: number; dim: number; depth: number; heads: number; mlpRatio: number; imageSize: number; classes: number };
  readonly stateDict: StateDict;
  readonly head: { weight: Float32Array; bias: Float32Array; features: 'cls' };
  readonly cases: TinyVitCase[];
}

function decode(base64: string): Float32Array {
  const bytes = Buffer.from(base64, 'base64');
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

export function loadTinyVit(): TinyVitFixture {
  const raw = JSON.parse(readFileSync(new URL('../fixtures/vit/tiny-vit.json', import.meta.url), 'utf8'));
  const stateDict: StateDict = new Map();
  for (const [name, tensor] of Object.entries(raw.weights as Record<string, { shape: number[]; data: string }>)) {
    stateDict.set(name, { shape: tensor.shape, data: decode(tensor.data) });
  }
  const cases = (raw.cases as Record<string, unknown>[]).map((c) => ({
    rows: c.rows as number,
    cols: c.cols as number,
    batch: c.batch as number,
    arrays: Object.fromEntries(['pixels', 'seed', 'gradient', 'logits', 'cls', 'attention', 'keys'].map((k) => [k, decode(c[k] as string)])) as TinyVitCase['arrays'],
  }));
  const head = { weight: stateDict.get('head.weight')!.data, bias: stateDict.get('head.bias')!.data, features: 'cls' as const };
  return { config: raw.config, stateDict, head, cases };
}

/** Largest |a - b| relative to the largest |b| (so a tolerance reads as a fraction of the signal). */
export function maxRelativeError(a: Float32Array, b: Float32Array): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return diff / scale;
}
