/** Loads test/fixtures/dinov2/tiny-dinov2.json (see scripts/make-dinov2-fixtures.py) into typed arrays. */
import { readFileSync } from 'node:fs';
import type { StateDict } from '../../../src/backbone/state-dict.js';
import type { VitConfig } from '../../../src/backbone/vit-config.js';

export const CASE_ARRAYS = ['pixels', 'seed', 'gradient', 'logits', 'cls', 'patchTokens', 'attention', 'keys', 'posEmbed'] as const;

export interface TinyDinov2Case {
  readonly rows: number;
  readonly cols: number;
  readonly batch: number;
  readonly arrays: Record<(typeof CASE_ARRAYS)[number], Float32Array>;
}

export interface TinyDinov2Model {
  /** The runner's config: the fixture's shapes with backbone 'dinov2' and the model's registers. */
  readonly config: VitConfig;
  /** The backbone tensors in the official DINOv2 names (mask token included, no head). */
  readonly stateDict: StateDict;
  readonly interpolation: { readonly offset: number; readonly antialias: boolean };
  readonly cases: TinyDinov2Case[];
}

export interface TinyDinov2Fixture {
  readonly classes: number;
  readonly head: { weight: Float32Array; bias: Float32Array; features: 'cls' };
  /** 'dinov2' (no registers, as dinov2_vits14) and 'dinov2-reg4' (4 registers, as dinov2_vits14_reg4). */
  readonly models: Record<'dinov2' | 'dinov2-reg4', TinyDinov2Model>;
}

function decode(base64: string): Float32Array {
  const bytes = Buffer.from(base64, 'base64');
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

interface RawModel {
  registers: number;
  offset: number;
  antialias: boolean;
  cases: Record<string, unknown>[];
}

export function loadTinyDinov2(): TinyDinov2Fixture {
  const raw = JSON.parse(readFileSync(new URL('../../fixtures/dinov2/tiny-dinov2.json', import.meta.url), 'utf8'));
  const all: StateDict = new Map();
  for (const [name, tensor] of Object.entries(raw.weights as Record<string, { shape: number[]; data: string }>)) {
    all.set(name, { shape: tensor.shape, data: decode(tensor.data) });
  }
  const { classes, ...shapes } = raw.config as Omit<VitConfig, 'layerNormEps'> & { classes: number };
  const model = (entry: RawModel): TinyDinov2Model => ({
    config: { ...shapes, layerNormEps: 1e-6, backbone: 'dinov2', registers: entry.registers },
    stateDict: new Map([...all].filter(([name]) => !name.startsWith('head.') && (entry.registers > 0 || name !== 'register_tokens'))),
    interpolation: { offset: entry.offset, antialias: entry.antialias },
    cases: entry.cases.map((c) => ({
      rows: c.rows as number,
      cols: c.cols as number,
      batch: c.batch as number,
      arrays: Object.fromEntries(CASE_ARRAYS.map((k) => [k, decode(c[k] as string)])) as TinyDinov2Case['arrays'],
    })),
  });
  const models = raw.models as Record<'dinov2' | 'dinov2-reg4', RawModel>;
  return {
    classes,
    head: { weight: all.get('head.weight')!.data, bias: all.get('head.bias')!.data, features: 'cls' },
    models: { dinov2: model(models.dinov2), 'dinov2-reg4': model(models['dinov2-reg4']) },
  };
}
