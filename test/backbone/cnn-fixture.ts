/** Loads test/fixtures/cnn/*.json (see scripts/make-cnn-fixtures.py) into typed arrays. */
import { readFileSync } from 'node:fs';
import type { StateDict } from '../../src/backbone/state-dict.js';
import type { MobileNetV2Layout } from '../../src/backbone/index.js';

export function decode(base64: string): Float32Array {
  const bytes = Buffer.from(base64, 'base64');
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

function readFixture(name: string): Record<string, any> {
  return JSON.parse(readFileSync(new URL(`../fixtures/cnn/${name}`, import.meta.url), 'utf8'));
}

function stateDictOf(weights: Record<string, { shape: number[]; data: string }>): StateDict {
  return new Map(Object.entries(weights).map(([name, tensor]) => [name, { shape: tensor.shape, data: decode(tensor.data) }]));
}

export interface TinyMobileNetCase {
  readonly rows: number;
  readonly cols: number;
  readonly batch: number;
  readonly grid: [number, number];
  readonly arrays: Record<'pixels' | 'seed' | 'featureMap' | 'pooled' | 'logits' | 'gradient', Float32Array>;
}

export function loadTinyMobileNetV2(): { layout: MobileNetV2Layout; stateDict: StateDict; head: { weight: Float32Array; bias: Float32Array }; cases: TinyMobileNetCase[] } {
  const raw = readFixture('tiny-mobilenetv2.json');
  const stateDict = stateDictOf(raw.weights);
  const head = { weight: stateDict.get('head.weight')!.data, bias: stateDict.get('head.bias')!.data };
  const cases = (raw.cases as Record<string, any>[]).map((c) => ({
    rows: c.rows, cols: c.cols, batch: c.batch, grid: c.grid,
    arrays: Object.fromEntries(['pixels', 'seed', 'featureMap', 'pooled', 'logits', 'gradient'].map((k) => [k, decode(c[k])])) as TinyMobileNetCase['arrays'],
  }));
  return { layout: raw.layout, stateDict, head, cases };
}

export interface TinyMicraNet {
  readonly config: { inputSize: number; inputChannels: number; classes: number; channels: [number, number, number, number]; dropout: number };
  readonly positiveWeights: number[];
  readonly stateDict: StateDict;
  readonly batch: number;
  readonly pixels: Float32Array;
  readonly targets: Float32Array;
  readonly dropoutMask: Float32Array;
  readonly train: { loss: number; logits: Float32Array; gradients: Map<string, Float32Array>; running: Map<string, Float32Array> };
  readonly evalLogits: Float32Array;
  /** Image 0, per class: the eight Grad-CAM maps [8, S, S], then segment_cam's smoothed map, mask and foreground. */
  readonly gradCam: { maps: Float32Array; smooth: Float32Array; mask: number[]; foreground: number[] }[];
}

export function loadTinyMicraNet(): TinyMicraNet {
  const raw = readFixture('tiny-micranet.json');
  const decodeAll = (entries: Record<string, string>): Map<string, Float32Array> => new Map(Object.entries(entries).map(([k, v]) => [k, decode(v)]));
  return {
    config: raw.config, positiveWeights: raw.positiveWeights, stateDict: stateDictOf(raw.weights), batch: raw.batch,
    pixels: decode(raw.pixels), targets: decode(raw.targets), dropoutMask: decode(raw.dropoutMask),
    train: { loss: raw.train.loss, logits: decode(raw.train.logits), gradients: decodeAll(raw.train.gradients), running: decodeAll(raw.train.running) },
    evalLogits: decode(raw.eval.logits),
    gradCam: (raw.gradCam.maps as string[]).map((maps, c) => ({
      maps: decode(maps), smooth: decode(raw.gradCam.segments[c].smooth), mask: raw.gradCam.segments[c].mask, foreground: raw.gradCam.segments[c].foreground,
    })),
  };
}
