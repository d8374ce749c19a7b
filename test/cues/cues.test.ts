import { describe, expect, it } from 'vitest';
import { createImageTensor, createMask, InvalidArgumentError } from '../../src/core/index.js';
import { boxBlur, centrePrior, colourContrast, darkness, fuseCues, haematoxylin, smoothness, standardise, toUnitRange } from '../../src/cues/index.js';
import { crfWithinValid, cutFused, defaultStudentConfig, validPixels } from '../../src/pipeline/student/index.js';
import { toGrayscale } from '../../src/postprocess/index.js';

/** A 3-channel image: a disc of `inside` colour at (cy, cx) radius r on `outside`, plus a black frame of `frame` pixels. */
function discImage(size: number, disc: { cy: number; cx: number; r: number }, colours: { inside: number[]; outside: number[] }, frame = 0) {
  const image = createImageTensor(3, size, size);
  const plane = size * size;
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) {
    const inDisc = (y - disc.cy) ** 2 + (x - disc.cx) ** 2 <= disc.r ** 2;
    const inFrame = y < frame || x < frame || y >= size - frame || x >= size - frame;
    const colour = inFrame ? [0, 0, 0] : inDisc ? colours.inside : colours.outside;
    for (let k = 0; k < 3; k++) image.data[k * plane + y * size + x] = colour[k]!;
  }
  return image;
}

function truthOf(size: number, disc: { cy: number; cx: number; r: number }): Uint8Array {
  const out = new Uint8Array(size * size);
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) out[y * size + x] = (y - disc.cy) ** 2 + (x - disc.cx) ** 2 <= disc.r ** 2 ? 1 : 0;
  return out;
}

function iou(a: Uint8Array, b: Uint8Array): number {
  let [inter, union] = [0, 0];
  for (let i = 0; i < a.length; i++) {
    inter += a[i]! & b[i]!;
    union += a[i]! | b[i]!;
  }
  return inter / union;
}

describe('image cues', () => {
  it('blurs with running sums like a direct box average, and keeps a constant plane constant', () => {
    const values = Float32Array.from({ length: 35 }, (_, i) => (i * 7919) % 13);
    const once = boxBlur(values, 5, 7, 1, 1);
    const direct = (r: number, c: number) => {
      const rows: number[] = [];
      for (let cc = c - 1; cc <= c + 1; cc++) if (cc >= 0 && cc < 7) rows.push(cc);
      let [sum, n] = [0, 0];
      for (let rr = r - 1; rr <= r + 1; rr++) {
        if (rr < 0 || rr >= 5) continue;
        const lineMean = rows.reduce((s, cc) => s + values[rr * 7 + cc]!, 0) / rows.length;
        sum += lineMean;
        n++;
      }
      return sum / n;
    };
    for (const [r, c] of [[0, 0], [2, 3], [4, 6], [1, 5]] as const) expect(once[r * 7 + c]).toBeCloseTo(direct(r, c), 5);
    expect([...boxBlur(new Float32Array(20).fill(3), 4, 5, 2)].every((v) => Math.abs(v - 3) < 1e-6)).toBe(true);
  });

  it('finds a central disc of a colour unlike the border by colour contrast, whatever its brightness', () => {
    const disc = { cy: 30, cx: 34, r: 12 };
    const image = discImage(64, disc, { inside: [0.8, 0.3, 0.3], outside: [0.3, 0.6, 0.3] });
    const mask = cutFused(colourContrast(image), { rows: 64, cols: 64 }, 'otsu');
    expect(iou(mask.data, truthOf(64, disc))).toBeGreaterThan(0.8);
  });

  it('ranks a dark disc above bright tissue by darkness, and a flat disc above texture by smoothness', () => {
    const disc = { cy: 20, cx: 40, r: 10 };
    const image = discImage(64, disc, { inside: [0.1, 0.1, 0.1], outside: [0.7, 0.7, 0.7] });
    const dark = darkness(toGrayscale(image));
    expect(dark[20 * 64 + 40]!).toBeGreaterThan(dark[50 * 64 + 10]!);
    const textured = discImage(64, disc, { inside: [0.5, 0.5, 0.5], outside: [0.5, 0.5, 0.5] });
    for (let i = 0; i < 64 * 64; i++) if (!truthOf(64, disc)[i]) for (let k = 0; k < 3; k++) textured.data[k * 4096 + i] = (i % 2) * 0.8;
    const smooth = smoothness(toGrayscale(textured));
    expect(smooth[20 * 64 + 40]!).toBeGreaterThan(smooth[50 * 64 + 10]!);
  });

  it('leaves a dark frame out of the valid pixels and never makes it foreground', () => {
    const disc = { cy: 32, cx: 32, r: 8 };
    const image = discImage(64, disc, { inside: [0.9, 0.9, 0.9], outside: [0.4, 0.4, 0.4] }, 4);
    const valid = validPixels(image, 0.06);
    expect(valid[0]).toBe(0);
    expect(valid[32 * 64 + 32]).toBe(1);
    const mask = cutFused(darkness(toGrayscale(image)), { rows: 64, cols: 64, valid }, 'otsu');
    for (let i = 0; i < valid.length; i++) if (!valid[i]) expect(mask.data[i]).toBe(0);
    expect(validPixels(image, 0).every((v) => v === 1)).toBe(true);
  });

  it('gives a haematoxylin-stained (purple) nucleus more haematoxylin than eosin-stained (pink) tissue of the same brightness', () => {
    const disc = { cy: 20, cx: 20, r: 6 };
    const image = discImage(40, disc, { inside: [0.45, 0.3, 0.6], outside: [0.8, 0.35, 0.55] });
    const h = haematoxylin(image);
    expect(h[20 * 40 + 20]!).toBeGreaterThan(h[35 * 40 + 35]!);
    const mask = cutFused(h, { rows: 40, cols: 40 }, 'otsu');
    expect(iou(mask.data, truthOf(40, disc))).toBe(1);
  });

  it('never lets DenseCRF put the dark frame back into a mask', () => {
    const image = discImage(48, { cy: 24, cx: 24, r: 10 }, { inside: [0.9, 0.4, 0.4], outside: [0.4, 0.4, 0.4] }, 3);
    const valid = validPixels(image, 0.06);
    const everything = createMask(48, 48, new Uint8Array(48 * 48).fill(1));
    const refined = crfWithinValid(image, everything, { valid, crf: { ...defaultStudentConfig.crf, enabled: true } });
    for (let i = 0; i < valid.length; i++) if (!valid[i]) expect(refined.data[i]).toBe(0);
    expect(refined.data[24 * 48 + 24]).toBe(1);
  });

  it('peaks the centre prior at the centre', () => {
    const prior = centrePrior(9, 9);
    expect(Math.max(...prior)).toBe(prior[4 * 9 + 4]);
  });
});

describe('fusing cues', () => {
  it('standardises over valid pixels only', () => {
    const z = standardise(Float32Array.from([1, 2, 3, 100]), Uint8Array.from([1, 1, 1, 0]));
    expect([...z].slice(0, 3).map((v) => Number(v.toFixed(4)))).toEqual([-1.2247, 0, 1.2247]);
    expect(z[3]).toBe(0);
    expect([...standardise(new Float32Array(4).fill(5))]).toEqual([0, 0, 0, 0]);
  });

  it('weighs standardised cues, so a cue of any scale counts by its weight', () => {
    const a = Float32Array.from([0, 1, 0, 1]);
    const b = Float32Array.from([0, 0, 1000, 1000]);
    const fused = fuseCues({ prior: a, darkness: b }, { prior: 1, darkness: 3 });
    expect(fused[2]! - fused[1]!).toBeCloseTo(4, 5);
    expect(() => fuseCues({ prior: a }, { prior: 1, contrast: 1 })).toThrow(/'contrast' cue/);
    expect(() => fuseCues({ prior: a }, { prior: 0 })).toThrow(InvalidArgumentError);
  });

  it('scales a fused map to [0, 1] over the valid pixels, leaving the others at 0', () => {
    expect([...toUnitRange(Float32Array.from([-2, 0, 2, 50]), Uint8Array.from([1, 1, 1, 0]))]).toEqual([0, 0.5, 1, 0]);
    expect([...toUnitRange(new Float32Array(3).fill(4))]).toEqual([0, 0, 0]);
  });

  it('keeps the asked fraction of valid pixels', () => {
    const map = Float32Array.from({ length: 100 }, (_, i) => i);
    const mask = cutFused(map, { rows: 10, cols: 10 }, 0.2);
    expect(mask.data.reduce((s, v) => s + v, 0)).toBeGreaterThanOrEqual(19);
    expect(mask.data.reduce((s, v) => s + v, 0)).toBeLessThanOrEqual(20);
    expect(mask.data[99]).toBe(1);
    expect(mask.data[0]).toBe(0);
    expect(() => cutFused(map, { rows: 10, cols: 10 }, 1.5)).toThrow(/fraction/);
  });
});
