import { describe, expect, it } from 'vitest';
import {
  InvalidArgumentError, SizeMismatchError, createMask, createRng, createScalarMap, type ProgressEvent,
} from '../../src/core/index.js';
import {
  CRF_DEFAULTS, maskCutCrfPreset, refineLabelsCrf, refineMaskCrf, resolveCrfConfig, unaryFromLabels,
} from '../../src/crf/index.js';
import { twoColourImage } from './oracle.js';

const rows = 48;
const cols = 40;

function iou(a: Uint8Array, b: Uint8Array): number {
  let intersection = 0;
  let union = 0;
  for (let i = 0; i < a.length; i++) {
    intersection += a[i]! & b[i]!;
    union += a[i]! | b[i]!;
  }
  return intersection / union;
}

/** The true right half with `flip` of its pixels flipped at random (salt-and-pepper label noise). */
function noisyMask(truth: Uint8Array, flip: number, seed: number): Uint8Array {
  const rng = createRng(seed);
  return truth.map((label) => (rng.next() < flip ? 1 - label : label));
}

describe('refineMaskCrf', () => {
  const { image, truth } = twoColourImage(rows, cols, 11);

  it.each([
    ['the defaults', {}],
    ['the MaskCut preset', maskCutCrfPreset],
  ])('snaps a mask with 25%% flipped labels to the colour boundary with %s (IoU > 0.95)', (_, options) => {
    const noisy = noisyMask(truth, 0.25, 12);
    expect(iou(noisy, truth)).toBeLessThan(0.7);
    const result = refineMaskCrf(image, createMask(rows, cols, noisy), options);
    expect(iou(result.mask.data, truth)).toBeGreaterThan(0.95);
    expect(result.iterations).toBe(options === maskCutCrfPreset ? 10 : 5);
  });

  it('cleans a noisy soft foreground map and returns consistent marginals', () => {
    const rng = createRng(13);
    const soft = Float32Array.from(truth, (label) => Math.min(1, Math.max(0, (label ? 0.6 : 0.4) + 0.3 * rng.normal())));
    const result = refineMaskCrf(image, createScalarMap(rows, cols, soft));
    expect(iou(result.mask.data, truth)).toBeGreaterThan(0.95);
    const pixels = rows * cols;
    for (let i = 0; i < pixels; i += 97) {
      expect(result.foreground.data[i]).toBe(result.marginals.data[pixels + i]);
      expect(result.mask.data[i]).toBe(result.foreground.data[i]! > result.marginals.data[i]! ? 1 : 0);
    }
  });

  it('returns a constant mask unchanged after zero iterations, without calling back', () => {
    const events: number[] = [];
    const full = refineMaskCrf(image, createMask(rows, cols, new Uint8Array(rows * cols).fill(1)), {
      onIteration: (event) => events.push(event.iteration),
    });
    expect(full.iterations).toBe(0);
    expect(full.mask.data.every((v) => v === 1)).toBe(true);
    expect(full.foreground.data[0]).toBeCloseTo(0.7, 5);
    expect(events).toEqual([]);
  });

  it('reports iterations and progress that never goes backwards', () => {
    const iterations: number[] = [];
    const progress: ProgressEvent[] = [];
    refineMaskCrf(image, createMask(rows, cols, noisyMask(truth, 0.1, 14)), {
      iterations: 3,
      onIteration: (event) => iterations.push(event.iteration),
      onProgress: (event) => progress.push(event),
    });
    expect(iterations).toEqual([1, 2, 3]);
    expect(progress.map((e) => [e.stage, e.done, e.total])).toEqual([['crf', 1, 3], ['crf', 2, 3], ['crf', 3, 3]]);
  });

  it('throws the documented errors for mismatched or invalid input', () => {
    expect(() => refineMaskCrf(image, createMask(rows, cols + 1))).toThrow(SizeMismatchError);
    expect(() => refineMaskCrf(image, createMask(rows, cols, new Uint8Array(rows * cols).fill(2))))
      .toThrow(/expected a mask of 0\/1 values for the CRF input mask but received 2/);
    expect(() => refineMaskCrf(image, createScalarMap(rows, cols, new Float32Array(rows * cols).fill(-1)))).toThrow(InvalidArgumentError);
    expect(() => refineMaskCrf(image, createMask(rows, cols), { iterations: 1.5 })).toThrow(InvalidArgumentError);
    expect(() => refineMaskCrf(image, createMask(rows, cols), { bilateral: { sxy: 80, srgb: 0, weight: 10 } }))
      .toThrow(/expected a finite number >= 5e-324 for the bilateral kernel srgb but received 0/);
    expect(() => refineMaskCrf(image, createMask(rows, cols), { normalization: 'l2' as never })).toThrow(/expected one of symmetric, before, after, none/);
  });
});

describe('refineLabelsCrf', () => {
  it('cleans noisy labels of a three-stripe image (L = 3) to the stripes', () => {
    const [stripeRows, stripeCols] = [30, 36];
    const pixels = stripeRows * stripeCols;
    const rng = createRng(31);
    const colours = [[0.1, 0.2, 0.8], [0.8, 0.2, 0.1], [0.2, 0.8, 0.2]];
    const truth = Uint8Array.from({ length: pixels }, (_, i) => Math.floor((i % stripeCols) / 12));
    const data = new Float32Array(3 * pixels);
    truth.forEach((label, i) => colours[label]!.forEach((value, c) => (data[c * pixels + i] = value + 0.03 * rng.normal())));
    const noisy = truth.map((label) => (rng.next() < 0.3 ? rng.int(3) : label));
    const unary = unaryFromLabels(createMask(stripeRows, stripeCols, noisy), 3, { gtProb: 0.6 });
    const result = refineLabelsCrf({ data, channels: 3, rows: stripeRows, cols: stripeCols }, unary);
    const wrong = result.labels.data.reduce((n, label, i) => n + (label !== truth[i] ? 1 : 0), 0);
    expect(noisy.reduce((n, label, i) => n + (label !== truth[i] ? 1 : 0), 0)).toBeGreaterThan(0.15 * pixels);
    expect(wrong).toBeLessThan(0.01 * pixels);
    expect(result.marginals.labels).toBe(3);
  });

  it('rejects a unary over another grid', () => {
    const unary = unaryFromLabels(createMask(2, 2), 2);
    expect(() => refineLabelsCrf(image3x3(), unary)).toThrow(SizeMismatchError);
  });
});

function image3x3() {
  return { data: new Float32Array(27), channels: 3, rows: 3, cols: 3 };
}

describe('resolveCrfConfig and presets', () => {
  it('keeps pydensecrf defaults and merges kernel fields one by one', () => {
    expect(CRF_DEFAULTS).toMatchObject({ iterations: 5, gaussian: { sxy: 3, weight: 3 }, bilateral: { sxy: 80, srgb: 13, weight: 10 }, normalization: 'symmetric' });
    const config = resolveCrfConfig({ bilateral: { srgb: 20 }, iterations: undefined });
    expect(config.bilateral).toEqual({ sxy: 80, srgb: 20, weight: 10 });
    expect(config.iterations).toBe(5);
  });

  it("encodes CutLER's maskcut/crf.py constants", () => {
    const config = resolveCrfConfig(maskCutCrfPreset);
    expect(config).toMatchObject({ iterations: 10, gaussian: { sxy: 3, weight: 7 }, bilateral: { sxy: 50, srgb: 5, weight: 10 } });
    expect(config.gtProb).toBeCloseTo(Math.E / (1 + Math.E), 12);
  });
});
