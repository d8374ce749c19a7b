/** A tiny Kvasir-SEG-like folder (images/ + masks/): bright discs on noise, seeded, 48x48 PNGs. */
import { join } from 'node:path';
import { createRng } from '../../../src/core/index.js';
import { resolveConfig } from '../../../src/pipeline/config/presets.js';
import type { PipelineConfig } from '../../../src/pipeline/config/types.js';
import { makeTempDir, writePixels } from '../../data/synthetic.js';

export const DEMO_SIDE = 48;

/** Writes `count` image/mask pairs named case-00 ... and returns the folder. */
export async function writeDiscDataset(count: number, seed = 5): Promise<string> {
  const root = await makeTempDir('demo-data-');
  const rng = createRng(seed);
  for (let i = 0; i < count; i++) {
    const [cy, cx, radius] = [14 + rng.int(20), 14 + rng.int(20), 8 + rng.int(5)];
    const rgb = new Uint8Array(DEMO_SIDE * DEMO_SIDE * 3);
    const mask = new Uint8Array(DEMO_SIDE * DEMO_SIDE);
    for (let p = 0; p < DEMO_SIDE * DEMO_SIDE; p++) {
      const inside = (Math.floor(p / DEMO_SIDE) - cy) ** 2 + ((p % DEMO_SIDE) - cx) ** 2 <= radius * radius;
      mask[p] = inside ? 255 : 0;
      for (let c = 0; c < 3; c++) rgb[p * 3 + c] = inside ? 200 + rng.int(40) : 30 + rng.int(60);
    }
    const name = `case-${String(i).padStart(2, '0')}.png`;
    await writePixels(join(root, 'images', name), rgb, { rows: DEMO_SIDE, cols: DEMO_SIDE, channels: 3 });
    await writePixels(join(root, 'masks', name), mask, { rows: DEMO_SIDE, cols: DEMO_SIDE, channels: 1 });
  }
  return root;
}

/** The default variant at the tiny ViT's 16-pixel input, with a cheap explanation so a test takes seconds. */
export function tinyDemoConfig(seed = 0): PipelineConfig {
  return resolveConfig('xncut', {
    inputSize: 16, seed,
    explain: { nSteps: 4, ntSamples: 1, internalBatchSize: 8, stdevs: 0.3 },
    mask: { ncut: { pixelGridSize: 16 } },
  });
}
