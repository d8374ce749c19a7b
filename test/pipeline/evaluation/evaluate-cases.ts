import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeRectMask } from '../../data/synthetic.js';

/**
 * Three 16x16 cases whose scores are worked out by hand (rectangles aligned to JPEG's 8x8 blocks, so the
 * JPEG ground truth survives compression and the 127 cut exactly):
 * - a: gt 8x8 block (64 px), pred 8x16 band (128 px): tp 64, fp 64, fn 0, tn 128 -> IoU 1/2, Dice 2/3
 * - b: gt empty, pred empty -> IoU = Dice = 1 under 'one-if-empty-prediction', skipped under 'skip'
 * - c: gt full (256 px), pred 12x16 (192 px): tp 192, fn 64 -> IoU 3/4, Dice 384/448 = 6/7
 * Pooled: tp 256, fp 64, fn 64, tn 384 -> IoU 2/3, Dice 4/5, background IoU 384/512 = 3/4.
 */
export async function writeHandCases(root: string, options: { predSuffix?: string } = {}): Promise<{ pred: string; gt: string }> {
  const pred = join(root, 'pred');
  const gt = join(root, 'gt');
  const suffix = options.predSuffix ?? '';
  await writeRectMask(join(gt, 'a.jpg'), 16, 16, { top: 0, left: 0, rows: 8, cols: 8 });
  await writeRectMask(join(pred, `a${suffix}.png`), 16, 16, { top: 0, left: 0, rows: 8, cols: 16 });
  await writeRectMask(join(gt, 'b.png'), 16, 16);
  await writeRectMask(join(pred, `b${suffix}.png`), 16, 16);
  await writeRectMask(join(gt, 'c.png'), 16, 16, { top: 0, left: 0, rows: 16, cols: 16 });
  await writeRectMask(join(pred, `c${suffix}.png`), 16, 16, { top: 0, left: 0, rows: 12, cols: 16 });
  await writeFile(join(gt, 'README.md'), 'not a mask: ignored\n');
  return { pred, gt };
}

