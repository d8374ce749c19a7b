import { describe, expect, it } from 'vitest';
import { createMask, createRng, InvalidArgumentError, SizeMismatchError, type Mask } from '../../src/core/index.js';
import {
  confusionCounts, dice, diceFromCounts, iou, iouFromCounts, meanIouTwoClass, percentile, pooledDice, pooledIou,
  SegmentationMetrics, toCsv,
} from '../../src/metrics/index.js';

const maskOf = (bits: string, cols = bits.length): Mask =>
  createMask(bits.length / cols, cols, Uint8Array.from(bits, (ch) => (ch === '1' ? 1 : 0)));

describe('per-image scores, hand-computed table', () => {
  // pred, gt, tp fp fn tn, IoU, Dice, two-class mIoU
  const table: Array<[string, string, number[], number, number, number]> = [
    ['11110000', '11001100', [2, 2, 2, 2], 2 / 6, 4 / 8, (2 / 6 + 2 / 6) / 2],
    ['11111111', '11111111', [8, 0, 0, 0], 1, 1, 1],
    ['00000000', '11000000', [0, 0, 2, 6], 0, 0, (0 + 6 / 8) / 2],
    ['10000000', '01000000', [0, 1, 1, 6], 0, 0, (0 + 6 / 8) / 2],
    ['11100000', '11000000', [2, 1, 0, 5], 2 / 3, 4 / 5, (2 / 3 + 5 / 6) / 2],
  ];
  it.each(table)('pred %s vs gt %s', (p, g, counts, expectedIou, expectedDice, expectedMiou) => {
    const c = confusionCounts(maskOf(p, 4), maskOf(g, 4));
    expect([c.tp, c.fp, c.fn, c.tn]).toEqual(counts);
    expect(iou(maskOf(p, 4), maskOf(g, 4))).toBeCloseTo(expectedIou, 12);
    expect(dice(maskOf(p, 4), maskOf(g, 4))).toBeCloseTo(expectedDice, 12);
    expect(meanIouTwoClass(c)).toBeCloseTo(expectedMiou, 12);
  });

  it('empty ground truth: 1 for an empty prediction, 0 otherwise, NaN when skipped', () => {
    const empty = maskOf('0000');
    expect(iou(empty, empty)).toBe(1);
    expect(dice(maskOf('0100'), empty)).toBe(0);
    expect(iou(empty, empty, { emptyGroundTruth: 'skip' })).toBeNaN();
    expect(meanIouTwoClass(confusionCounts(empty, empty))).toBe(1);
    expect(() => iou(empty, empty, { emptyGroundTruth: 'zero' as 'skip' })).toThrow(InvalidArgumentError);
  });

  it('Dice = 2 IoU / (1 + IoU) on random masks (property)', () => {
    const rng = createRng(4);
    for (let k = 0; k < 50; k++) {
      const random = () => createMask(6, 7, Uint8Array.from({ length: 42 }, () => (rng.next() < 0.4 ? 1 : 0)));
      const c = confusionCounts(random(), random());
      const j = iouFromCounts(c);
      expect(diceFromCounts(c)).toBeCloseTo((2 * j) / (1 + j), 12);
    }
  });

  it('throws SizeMismatchError for masks of different sizes', () => {
    expect(() => confusionCounts(maskOf('1100', 2), maskOf('1100', 4))).toThrow(SizeMismatchError);
    expect(() => iou(maskOf('11', 2), maskOf('1111', 2))).toThrow(/expected 2x2 for the predicted mask \(ground-truth size\) but received 1x2/);
  });

  it('pools counts: pooled IoU weighs pixels, not images', () => {
    const a = confusionCounts(maskOf('1111'), maskOf('1111'));
    const b = confusionCounts(maskOf('0001'), maskOf('0011'));
    expect(pooledIou([a, b])).toBeCloseTo(5 / 6, 12);
    expect(pooledDice([a, b])).toBeCloseTo(10 / 11, 12);
  });
});

describe('SegmentationMetrics', () => {
  it('reduces a hand-computed set of three images', () => {
    const m = new SegmentationMetrics({ bootstrapResamples: 0 });
    m.add(maskOf('1111'), maskOf('1111'), 'perfect');
    m.add(maskOf('0001'), maskOf('0011'), 'half');
    m.add(maskOf('0000'), maskOf('0000'), 'healthy');
    const r = m.result();
    expect(r.images).toBe(3);
    expect(r.scored).toBe(3);
    expect(r.meanIou).toBeCloseTo((1 + 0.5 + 1) / 3, 12);
    expect(r.meanDice).toBeCloseTo((1 + 2 / 3 + 1) / 3, 12);
    expect(r.pooledIou).toBeCloseTo(5 / 6, 12);
    expect(r.meanIouTwoClass).toBeCloseTo((1 + (0.5 + 2 / 3) / 2 + 1) / 3, 12);
    expect(r.intervals).toBeNull();
    expect(r.rows.map((row) => row.id)).toEqual(['perfect', 'half', 'healthy']);
  });

  it("'skip' leaves empty-ground-truth images out of the means but keeps their row", () => {
    const m = new SegmentationMetrics({ emptyGroundTruth: 'skip', bootstrapResamples: 0 });
    m.add(maskOf('0001'), maskOf('0011'));
    m.add(maskOf('1000'), maskOf('0000'));
    const r = m.result();
    expect(r.scored).toBe(1);
    expect(r.meanIou).toBeCloseTo(0.5, 12);
    expect(r.rows[1]!.iou).toBeNaN();
    expect(r.rows[1]!.id).toBe('image-2');
  });

  it('gives seeded bootstrap intervals that bracket the mean and repeat for the same seed', () => {
    const run = (seed: number) => {
      const m = new SegmentationMetrics({ bootstrapResamples: 500, seed });
      const rng = createRng(99);
      for (let k = 0; k < 30; k++) {
        const random = () => createMask(8, 8, Uint8Array.from({ length: 64 }, () => (rng.next() < 0.5 ? 1 : 0)));
        m.add(random(), random());
      }
      return m.result();
    };
    const r = run(1);
    expect(r.intervals!.meanIou.low).toBeLessThan(r.meanIou);
    expect(r.intervals!.meanIou.high).toBeGreaterThan(r.meanIou);
    expect(r.intervals!.meanDice.high - r.intervals!.meanDice.low).toBeLessThan(0.2);
    expect(run(1).intervals).toEqual(r.intervals);
    expect(run(2).intervals).not.toEqual(r.intervals);
  });

  it('returns NaN means with no images and rejects a bad option', () => {
    expect(new SegmentationMetrics().result().meanIou).toBeNaN();
    expect(() => new SegmentationMetrics({ bootstrapResamples: -1 })).toThrow(InvalidArgumentError);
    expect(() => new SegmentationMetrics().add(maskOf('11'), maskOf('111'))).toThrow(SizeMismatchError);
  });
});

describe('helpers', () => {
  it('percentile interpolates linearly like numpy', () => {
    expect(percentile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(percentile([10, 0, 5], 0.25)).toBe(2.5);
    expect(percentile([], 0.5)).toBeNaN();
  });

  it('toCsv quotes awkward fields and leaves skipped scores empty', () => {
    expect(toCsv([{ id: 'a,b.png', iou: 0.5 }, { id: 'say "hi"', iou: Number.NaN }]))
      .toBe('id,iou\n"a,b.png",0.5\n"say ""hi""",\n');
    expect(toCsv([])).toBe('');
  });
});
