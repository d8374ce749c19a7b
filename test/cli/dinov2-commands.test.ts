/**
 * A DINOv2 file (the tiny PyTorch-checked fixture with 4 registers, saved as safetensors in the official
 * names) through the user commands: `train` records the kind, `segment` builds the same model from the head,
 * and --backbone is a check that names both kinds when it disagrees.
 */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { encodeSafetensors, float32Entry } from '../../src/backbone/index.js';
import type { ParsedArgs } from '../../src/cli/command.js';
import { segmentCommand } from '../../src/cli/commands/segment.js';
import { trainCommand } from '../../src/cli/commands/train.js';
import { ModelMismatchError } from '../../src/core/index.js';
import { loadHead } from '../../src/head/index.js';
import { makeTempDir, writeSolid } from '../data/synthetic.js';
import { loadTinyDinov2 } from '../backbone/dinov2/dinov2-fixture.js';
import { blobImage, writePng } from '../helpers/explain-fixture.js';
import { fakeIo } from '../helpers/fake-io.js';

const args = (values: ParsedArgs['values'], positionals: string[] = []): ParsedArgs => ({ positionals, values });
let root: string;
let weights: string;
let dataRoot: string;

beforeAll(async () => {
  root = await makeTempDir('dinov2-commands-');
  const { stateDict } = loadTinyDinov2().models['dinov2-reg4'];
  weights = join(root, 'tiny-dinov2-reg4.safetensors');
  await writeFile(weights, encodeSafetensors(new Map([...stateDict].map(([name, tensor]) => [name, float32Entry(tensor)]))));
  dataRoot = join(root, 'data');
  for (let i = 0; i < 6; i++) {
    await writeSolid(join(dataRoot, 'dark', `d${i}.png`), 20, 24, [30 + 5 * i, 40, 60]);
    await writeSolid(join(dataRoot, 'light', `l${i}.png`), 20, 24, [210, 190 + 4 * i, 150]);
  }
});

describe('DINOv2 through train and segment', () => {
  it('trains a head that records dinov2 and segments with it; a different --backbone is named', async () => {
    const run = join(root, 'run');
    expect(await trainCommand.run(args({ dataset: 'generic', data: dataRoot, weights, backbone: 'dinov2', out: run, epochs: '5' }), fakeIo({}))).toBe(0);
    const head = await loadHead(join(run, 'head.json'));
    expect(head.backbone.config).toMatchObject({ backbone: 'dinov2', registers: 4 });
    await mkdir(join(root, 'images'), { recursive: true });
    const image = join(root, 'images', 'blob.png');
    await writePng(image, blobImage(28, 28));
    const out = join(root, 'segmented');
    expect(await segmentCommand.run(args({ head: run, weights, out, variant: 'xncut', 'explain-n-steps': '2', 'explain-nt-samples': '0' }, [image]), fakeIo({}))).toBe(0);
    expect(existsSync(join(out, 'blob', 'mask.png'))).toBe(true);
    const wrong = segmentCommand.run(args({ head: run, weights, backbone: 'vit-dino', out: join(root, 'segmented-2') }, [image]), fakeIo({}));
    await expect(wrong).rejects.toBeInstanceOf(ModelMismatchError);
    await expect(wrong).rejects.toThrow(/trained on a dinov2 backbone, but vit-dino was asked for/);
  }, 120_000);
});
