import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createImageTensor, createMask, createRng, SizeMismatchError, type ImageTensor, type Mask } from '../../../src/core/index.js';
import { VitModel } from '../../../src/backbone/vit-model.js';
import { iou } from '../../../src/metrics/index.js';
import {
  bestSingleMask, maskCutBaseline, refineMaskCutMask, tokenCutBaseline, unionOfMasks, upsamplePatchMask,
} from '../../../src/pipeline/competitors/index.js';
import { patchKeysAcrossHeads, type KeysFn } from '../../../src/pipeline/model/index.js';
import { TINY_VIT, tinyVitStateDict } from '../../helpers/tiny-vit-weights.js';

const { patchSize, heads } = TINY_VIT;
const HEAD_DIM = TINY_VIT.dim / TINY_VIT.heads;

/** Original-size image: dark background (0.1) with bright boxes [row0, row1) x [col0, col1), one colour each. */
function boxImage(rows: number, cols: number, boxes: Array<[number, number, number, number]>): ImageTensor {
  const image = createImageTensor(3, rows, cols);
  image.data.fill(0.1);
  const colours = [[0.95, 0.9, 0.2], [0.2, 0.9, 0.95]];
  boxes.forEach(([r0, r1, c0, c1], b) => {
    for (let c = 0; c < 3; c++) for (let r = r0; r < r1; r++) for (let x = c0; x < c1; x++) image.data[(c * rows + r) * cols + x] = colours[b]![c]!;
  });
  return image;
}

function boxMask(rows: number, cols: number, [r0, r1, c0, c1]: [number, number, number, number]): Mask {
  const mask = createMask(rows, cols);
  for (let r = r0; r < r1; r++) for (let x = c0; x < c1; x++) mask.data[r * cols + x] = 1;
  return mask;
}

/**
 * A fake backbone: each patch's key is the prototype of its colour class (background, box 1 by its red
 * channel, box 2 by its blue channel) plus seeded noise, laid out [1, heads, 1 + N, headDim] with a CLS
 * key first. Prototypes span both heads, so a wrong head concatenation scrambles them.
 */
function plantedKeysFn(inputRows: number, inputCols: number, seen: Float32Array[] = []): KeysFn {
  return async (pixels) => {
    seen.push(pixels);
    const rng = createRng(5);
    const width = heads * HEAD_DIM;
    const prototypes = [0, 1, 2].map(() => Float64Array.from({ length: width }, () => rng.normal()));
    const grid = { rows: inputRows / patchSize, cols: inputCols / patchSize };
    const tokens = grid.rows * grid.cols + 1;
    const keys = new Float32Array(heads * tokens * HEAD_DIM).map(() => rng.normal());
    const plane = inputRows * inputCols;
    for (let n = 0; n < tokens - 1; n++) {
      const centre = (Math.floor(n / grid.cols) * patchSize + patchSize / 2) * inputCols + (n % grid.cols) * patchSize + patchSize / 2;
      const red = pixels[centre]! > 0;
      const blue = pixels[2 * plane + centre]! > 0;
      const region = red && !blue ? 1 : blue && !red ? 2 : red && blue ? 1 : 0;
      for (let k = 0; k < width; k++) {
        const h = Math.floor(k / HEAD_DIM);
        keys[(h * tokens + n + 1) * HEAD_DIM + (k % HEAD_DIM)] = prototypes[region]![k]! + 0.2 * rng.normal();
      }
    }
    return keys;
  };
}

let model48: VitModel;
let model64: VitModel;
beforeAll(async () => {
  model48 = await VitModel.create(tinyVitStateDict(), TINY_VIT, { inputSize: 48 });
  model64 = await VitModel.create(tinyVitStateDict(), TINY_VIT, { inputSize: 64 });
});
afterAll(async () => {
  await model48.dispose();
  await model64.dispose();
});

describe('patchKeysAcrossHeads', () => {
  it('drops the CLS token and concatenates heads per patch (hand-computed 2 heads x 3 tokens x 2)', () => {
    // head 0: cls [0, 1], p0 [2, 3], p1 [4, 5]; head 1: cls [10, 11], p0 [12, 13], p1 [14, 15]
    const keys = Float32Array.from([0, 1, 2, 3, 4, 5, 10, 11, 12, 13, 14, 15]);
    expect(Array.from(patchKeysAcrossHeads(keys, { heads: 2, patches: 2, headDim: 2 }))).toEqual([2, 3, 12, 13, 4, 5, 14, 15]);
  });

  it('rejects keys of the wrong length with a size mismatch', () => {
    expect(() => patchKeysAcrossHeads(new Float32Array(11), { heads: 2, patches: 2, headDim: 2 }))
      .toThrow(new SizeMismatchError('expected 12 values ([2, 3, 2]) for the keys but received 11'));
  });
});

describe('upsamplePatchMask', () => {
  it('nearest repeats patches; bilinear of the indicator > 0.5 cuts at the patch border too', () => {
    const patch = createMask(2, 2, Uint8Array.from([1, 0, 0, 0]));
    expect(Array.from(upsamplePatchMask(patch, 4, 4).data)).toEqual([1, 1, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    // Bilinear at 4x4: pixel (1,1) samples 0.75/0.25 blends -> 0.5625 > 0.5; (1,2) -> 0.1875.
    expect(Array.from(upsamplePatchMask(patch, 4, 4, 'bilinear').data)).toEqual([1, 1, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(() => upsamplePatchMask(patch, 4, 4, 'cubic' as never)).toThrow(/expected one of nearest, bilinear for the mask upsampling/);
  });
});

describe('tokenCutBaseline with planted keys', () => {
  // 60 x 84 original; the box covers input rows 12..32 and cols 16..32 of the 48 x 48 input (patch-aligned).
  const box: [number, number, number, number] = [15, 40, 28, 56];
  const image = boxImage(60, 84, [box]);

  it('puts the mask on the object at the original size and normalises with ImageNet statistics', async () => {
    const seen: Float32Array[] = [];
    const result = await tokenCutBaseline(image, { model: model48, keys: plantedKeysFn(48, 48, seen), upsample: 'nearest' });
    expect([result.mask.rows, result.mask.cols]).toEqual([60, 84]);
    expect([result.patchMask.rows, result.patchMask.cols]).toEqual([12, 12]);
    expect(iou(result.mask, boxMask(60, 84, box))).toBeGreaterThan(0.85);
    expect(result.patchMask.data.reduce((s, v) => s + v, 0)).toBe(20); // 5 x 4 patches
    expect(seen[0]![0]).toBeCloseTo((0.1 - 0.485) / 0.229, 3);
    expect(seen[0]![2 * 48 * 48]).toBeCloseTo((0.1 - 0.406) / 0.225, 3);
    // The eigenvector is signed so the foreground is positive.
    const inside = result.eigenvector.data[5 * 12 + 6]!;
    const outside = result.eigenvector.data[0]!;
    expect(inside).toBeGreaterThan(0);
    expect(outside).toBeLessThan(inside);
    expect(result.timingsMs.total).toBeGreaterThanOrEqual(result.timingsMs.cut!);
  });

  it('keeps the object through the CRF and through bilinear upsampling', async () => {
    const result = await tokenCutBaseline(image, { model: model48, keys: plantedKeysFn(48, 48), upsample: 'bilinear', crf: {} });
    expect(iou(result.mask, boxMask(60, 84, box))).toBeGreaterThan(0.85);
  });

  it('accepts a grayscale image and rejects 2 channels', async () => {
    const gray = createImageTensor(1, 60, 84, image.data.slice(0, 60 * 84));
    const result = await tokenCutBaseline(gray, { model: model48, keys: plantedKeysFn(48, 48) });
    expect(iou(result.mask, boxMask(60, 84, box))).toBeGreaterThan(0.85);
    await expect(tokenCutBaseline(createImageTensor(2, 8, 8), { model: model48 })).rejects.toThrow(/expected 1 or 3 channels/);
  });
});

describe('maskCutBaseline with planted keys', () => {
  // 80 x 80 original, 64 x 64 input (16 x 16 patches); boxes patch-aligned at the input.
  const boxes: Array<[number, number, number, number]> = [[5, 30, 5, 35], [45, 75, 40, 70]];
  const image = boxImage(80, 80, boxes);
  const truths = boxes.map((box) => boxMask(80, 80, box));

  it('returns one mask per planted object and their union (no CRF)', async () => {
    const result = await maskCutBaseline(image, { model: model64, keys: plantedKeysFn(64, 64), crf: false, maskCut: { maxMasks: 2 } });
    expect(result.masks.length).toBe(2);
    expect(result.dropped).toEqual([]);
    const matched = result.masks.map((mask) => Math.max(...truths.map((truth) => iou(mask, truth))));
    matched.forEach((score) => expect(score).toBeGreaterThan(0.8));
    expect(iou(result.union, unionOfMasks(truths, 80, 80))).toBeGreaterThan(0.85);
    const best = bestSingleMask(result.masks, truths[1]!);
    expect(iou(result.masks[best.index]!, truths[1]!)).toBe(best.score);
    expect(best.score).toBeGreaterThan(0.8);
  });

  it('keeps both masks through CutLER\'s CRF preset on crisp boxes', async () => {
    const result = await maskCutBaseline(image, { model: model64, keys: plantedKeysFn(64, 64), maskCut: { maxMasks: 2 } });
    expect(result.dropped).toEqual([]);
    expect(result.masks.length).toBe(2);
    expect(iou(result.union, unionOfMasks(truths, 80, 80))).toBeGreaterThan(0.85);
  });
});

describe('refineMaskCutMask (CutLER drop rule)', () => {
  const image = boxImage(24, 24, [[8, 16, 8, 16]]);

  it('keeps a mask that the CRF leaves on its box (IoU >= 0.5)', () => {
    const outcome = refineMaskCutMask(image, boxMask(24, 24, [8, 16, 8, 16]));
    expect(outcome.kept).toBe(true);
    expect(outcome.iou).toBeGreaterThan(0.9);
  });

  it('drops a mask the CRF erases: a strong smoothness term wipes a 2x2 speck (IoU 0 < 0.5)', () => {
    const outcome = refineMaskCutMask(image, boxMask(24, 24, [2, 4, 2, 4]), { crf: { gaussian: { sxy: 6, weight: 40 }, bilateral: { weight: 0 } } });
    expect(outcome.mask.data.every((v) => v === 0)).toBe(true);
    expect(outcome.iou).toBe(0);
    expect(outcome.kept).toBe(false);
    expect(() => refineMaskCutMask(image, boxMask(24, 24, [2, 4, 2, 4]), { minIou: 2 })).toThrow(/the minimum CRF IoU/);
  });
});

describe('bestSingleMask', () => {
  const gt = createMask(1, 4, Uint8Array.from([1, 1, 0, 0]));
  it('picks the mask with the highest score, earlier on ties, and uses the given score function', () => {
    const masks = [[1, 0, 0, 0], [1, 1, 1, 0], [0, 1, 1, 1]].map((m) => createMask(1, 4, Uint8Array.from(m)));
    // IoUs: 1/2, 2/3, 1/4
    expect(bestSingleMask(masks, gt).index).toBe(1);
    expect(bestSingleMask(masks, gt).score).toBeCloseTo(2 / 3, 12);
    const areaOnly = (pred: Mask): number => -pred.data.reduce((s, v) => s + v, 0);
    expect(bestSingleMask(masks, gt, areaOnly).index).toBe(0);
    expect(bestSingleMask([masks[0]!, masks[0]!], gt).index).toBe(0);
  });

  it('returns index -1 and an empty mask when there are no masks', () => {
    const best = bestSingleMask([], gt);
    expect(best.index).toBe(-1);
    expect(best.score).toBe(0);
    expect(best.mask.data.every((v) => v === 0)).toBe(true);
  });
});

describe('baselines through the real tiny ViT (shapes only: random weights plant nothing)', () => {
  it('tokenCut and maskCut run end to end on model keys', async () => {
    const rng = createRng(3);
    const image = createImageTensor(3, 20, 28, Float32Array.from({ length: 3 * 20 * 28 }, () => rng.next()));
    const model = await VitModel.create(tinyVitStateDict(), TINY_VIT, { inputSize: 16 });
    try {
      const token = await tokenCutBaseline(image, { model });
      expect([token.mask.rows, token.mask.cols, token.patchMask.rows, token.eigenvector.data.length]).toEqual([20, 28, 4, 16]);
      expect(token.eigenvector.data.some((v) => v !== 0)).toBe(true);
      const masks = await maskCutBaseline(image, { model, crf: false });
      expect(masks.union.rows * masks.union.cols).toBe(20 * 28);
      masks.masks.forEach((mask) => expect([mask.rows, mask.cols]).toEqual([20, 28]));
      expect(masks.patchMasks.length).toBeGreaterThanOrEqual(1);
    } finally {
      await model.dispose();
    }
  });
});
