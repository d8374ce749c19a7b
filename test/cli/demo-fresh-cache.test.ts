import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ParsedArgs } from '../../src/cli/command.js';
import { dataCommand } from '../../src/cli/commands/data.js';
import { demoCommand } from '../../src/cli/commands/demo.js';
import { weightsCommand } from '../../src/cli/commands/weights.js';
import { datasetCachePath } from '../../src/data/index.js';
import { makeTempDir } from '../data/synthetic.js';
import { fakeIo } from '../helpers/fake-io.js';
import { startFileServer, type FileServer } from '../helpers/file-server.js';
import { writeTinyVitSafetensors } from '../helpers/tiny-vit-weights.js';
import { writeZip, zipMembersOf } from '../helpers/zip-writer.js';
import { writeDiscDataset } from '../pipeline/runs/demo-fixture.js';

const args = (values: ParsedArgs['values'], positionals: string[] = []): ParsedArgs => ({ positionals, values });

/** Pipeline flags that make the tiny ViT's explanation cheap. */
const TINY_FLAGS = {
  'input-size': '16', 'explain-n-steps': '4', 'explain-nt-samples': '1', 'explain-stdevs': '0.3', 'mask-ncut-pixel-grid-size': '16',
};

/**
 * The first run on a user's machine (issue 15): nothing but a cache folder filled by the two fetch commands,
 * pointed at a local server that serves a tiny ViT as the DINO file and a Kvasir-SEG-style release zip.
 */
describe('explainseg demo on a fresh clone', () => {
  let server: FileServer;
  beforeAll(async () => {
    server = await startFileServer();
    const weights = await writeTinyVitSafetensors(join(await makeTempDir('fresh-weights-'), 'tiny.safetensors'));
    server.serve('/dino_deitsmall16_pretrain.pth', await readFile(weights));
    server.serve('/kvasir-seg.zip', writeZip(await zipMembersOf(await writeDiscDataset(10, 9), 'Kvasir-SEG')));
  }, 60_000);
  afterAll(() => server.close());

  it('runs with only the cache the fetch commands prepared, and writes the report', async () => {
    const cache = await makeTempDir('fresh-cache-');
    const env = { EXPLAINSEG_CACHE: cache };
    expect(await weightsCommand.run(args({ url: `${server.base}/dino_deitsmall16_pretrain.pth` }, ['fetch', 'dino-vits16']), fakeIo(env))).toBe(0);
    expect(await dataCommand.run(args({ url: `${server.base}/kvasir-seg.zip` }, ['fetch', 'kvasir-seg']), fakeIo(env))).toBe(0);
    const out = join(await makeTempDir('fresh-out-'), 'demo');
    const io = fakeIo(env);
    expect(await demoCommand.run(args({ out, limit: '2', 'train-items': '40', ...TINY_FLAGS }), io)).toBe(0);
    expect(io.out()).toMatch(/2 image\(s\) segmented \(0 already done\), 0 failed/);
    expect(existsSync(join(out, 'report', 'index.html'))).toBe(true);
    const run = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8'));
    expect(run.config).toMatchObject({ dataset: 'kvasir-seg', dataRoot: datasetCachePath('kvasir-seg', cache) });
  });
});
