import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeSafetensors, float32Entry } from '../../src/backbone/weights/index.js';
import { summarizeWeights } from '../../src/cli/commands/inspect.js';
import { loadTinyDinov2 } from '../backbone/dinov2/dinov2-fixture.js';
import { makeTempDir } from '../data/synthetic.js';

describe('explainseg inspect on DINOv2 weights', () => {
  it('checks a DINOv2 file against DINOv2 (LayerScale, registers and mask token are not "unexpected")', async () => {
    const { stateDict } = loadTinyDinov2().models['dinov2-reg4'];
    const path = join(await makeTempDir('inspect-dinov2-'), 'tiny.safetensors');
    await writeFile(path, encodeSafetensors(new Map([...stateDict].map(([name, tensor]) => [name, float32Entry(tensor)]))));
    expect((await summarizeWeights(path)).problems).toEqual([]);
    const broken = new Map([...stateDict].filter(([name]) => name !== 'blocks.0.ls1.gamma'));
    await writeFile(path, encodeSafetensors(new Map([...broken].map(([name, tensor]) => [name, float32Entry(tensor)]))));
    expect((await summarizeWeights(path)).problems.join('\n')).toMatch(/missing tensor blocks\.0\.ls1\.gamma/);
  });
});
