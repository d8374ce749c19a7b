import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidArgumentError, WeightsError } from '../../src/core/errors.js';
import type { ParsedArgs } from '../../src/cli/command.js';
import { inspectCommand } from '../../src/cli/commands/inspect.js';
import { encodeSafetensors, float32Entry } from '../../src/backbone/weights/index.js';
import { weightsCommand } from '../../src/cli/commands/weights.js';
import { fakeIo } from '../helpers/fake-io.js';

const fixtures = join(import.meta.dirname, '..', 'fixtures', 'weights');
const payload = readFileSync(join(fixtures, 'tiny-vit.pth'));
const payloadHash = createHash('sha256').update(payload).digest('hex');

const args = (positionals: string[], values: ParsedArgs['values'] = {}): ParsedArgs => ({ positionals, values });

describe('explainseg inspect', () => {
  it('prints architecture, parameter count, dtypes, SHA-256 and ignored keys', async () => {
    const io = fakeIo();
    expect(await inspectCommand.run(args([join(fixtures, 'tiny-vit-wrapped.pth')]), io)).toBe(0);
    const text = io.out();
    expect(text).toContain('architecture: ViT patch 4, dim 8, depth 1, heads 1 (assumed dim/64), MLP 32, 4 patches (8x8 input), qkv bias yes');
    expect(text).toContain('parameters:   1,328 in 18 tensors');
    expect(text).toContain('dtypes:       float32 (loaded as float32)');
    expect(text).toContain(`sha256:       ${createHash('sha256').update(readFileSync(join(fixtures, 'tiny-vit-wrapped.pth'))).digest('hex')}`);
    expect(text).toContain('  - module.head.mlp.0.weight (not part of the backbone)');
    expect(text).toContain('check:        every tensor of this ViT present, with its shape; none unexpected');
  });

  describe('a ViT file with missing, unexpected or mis-shaped tensors (issue 10, item 6)', () => {
    const plain = JSON.parse(readFileSync(join(fixtures, 'expected.json'), 'utf8')).plain as Record<string, { shape: number[]; data: number[] }>;
    /** The tiny ViT of the fixtures as safetensors, after `damage` removed or replaced entries. */
    async function writeDamaged(damage: (tensors: Map<string, { shape: number[]; data: Float32Array }>) => void): Promise<string> {
      const tensors = new Map(Object.entries(plain).map(([name, t]) => [name, { shape: t.shape, data: Float32Array.from(t.data) }]));
      damage(tensors);
      const path = join(await mkdtemp(join(tmpdir(), 'inspect-')), 'damaged.safetensors');
      await writeFile(path, encodeSafetensors(new Map([...tensors].map(([name, t]) => [name, float32Entry(t)]))));
      return path;
    }

    it('lists each problem, still prints the summary, and fails with a WeightsError (exit 4)', async () => {
      const path = await writeDamaged((tensors) => {
        tensors.delete('norm.bias');
        tensors.set('blocks.0.attn.proj.weight', { shape: [8, 4], data: new Float32Array(32) });
        tensors.set('dist_token', { shape: [1, 1, 8], data: new Float32Array(8) });
      });
      const io = fakeIo();
      const error = await inspectCommand.run(args([path]), io).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(WeightsError);
      expect((error as WeightsError).problems).toEqual([
        'expected shape [8, 8] for blocks.0.attn.proj.weight but received [8, 4]',
        'missing tensor norm.bias [8]',
        'unexpected tensor dist_token [1, 1, 8]',
      ]);
      expect((error as WeightsError).file).toBe(path);
      expect(io.out()).toContain('architecture: ViT patch 4, dim 8');
      expect(io.out()).toContain('check:        3 problem(s)');
    });

    it('lists the problems in --json too', async () => {
      const path = await writeDamaged((tensors) => tensors.delete('blocks.0.mlp.fc2.weight'));
      const io = fakeIo();
      await expect(inspectCommand.run(args([path], { json: true }), io)).rejects.toBeInstanceOf(WeightsError);
      expect(JSON.parse(io.out()).problems).toEqual(['missing tensor blocks.0.mlp.fc2.weight [8, 32]']);
    });

    it('does not call ViT tensors without a position embedding "not a ViT" and fine', async () => {
      const path = await writeDamaged((tensors) => tensors.delete('pos_embed'));
      const io = fakeIo();
      await expect(inspectCommand.run(args([path]), io)).rejects.toThrow(/cannot infer a ViT config: expected patch_embed\.proj\.weight .* and pos_embed/);
    });
  });

  it('prints one JSON object with --json', async () => {
    const io = fakeIo();
    await inspectCommand.run(args([join(fixtures, 'tiny-vit-half.pth')], { json: true }), io);
    const summary = JSON.parse(io.out());
    expect(summary).toMatchObject({ format: 'pth', dtypes: ['bfloat16', 'float16'], tensors: 18, parameters: 1328, ignored: [] });
    expect(summary.vit).toMatchObject({ patchSize: 4, dim: 8, depth: 1 });
  });

  it('says when the tensors are not a ViT, and rejects missing or extra arguments', async () => {
    const io = fakeIo();
    await inspectCommand.run(args([join(fixtures, 'v1-f4.npy')]), io);
    expect(io.out()).toContain('architecture: not a ViT');
    await expect(inspectCommand.run(args([]), fakeIo())).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(inspectCommand.run(args(['a', 'b']), fakeIo())).rejects.toBeInstanceOf(InvalidArgumentError);
  });

  it('lets a broken file surface as a WeightsError naming it', async () => {
    await expect(inspectCommand.run(args([join(fixtures, 'README.md')]), fakeIo())).rejects.toBeInstanceOf(WeightsError);
  });
});

describe('explainseg weights', () => {
  let server: Server;
  let url: string;
  beforeAll(async () => {
    server = createServer((_request, response) => response.writeHead(200, { 'Content-Length': payload.length }).end(payload));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/dino.pth`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('fetches into EXPLAINSEG_CACHE, draws progress, and says the first download was not verified', async () => {
    const cache = await mkdtemp(join(tmpdir(), 'explainseg-cli-'));
    const io = fakeIo({ EXPLAINSEG_CACHE: cache });
    expect(await weightsCommand.run(args(['fetch', 'dino-vits16'], { url }), io)).toBe(0);
    expect(io.out()).toContain(`downloaded: ${join(cache, 'weights', 'dino_deitsmall16_pretrain.pth')}`);
    expect(io.out()).toContain(`sha256 ${payloadHash} (NOT verified: no known hash`);
    expect(io.err()).toMatch(/^download \[#{24}\] \d+\/\d+/m);
    const again = fakeIo({ EXPLAINSEG_CACHE: cache });
    await weightsCommand.run(args(['fetch', 'dino-vits16'], { url }), again);
    expect(again.out()).toContain('already present');
    expect(again.out()).toContain('(verified against the hash recorded by the first download)');
  });

  it('verifies against --sha256 given on the command line (--cache wins over the environment)', async () => {
    const cache = await mkdtemp(join(tmpdir(), 'explainseg-cli-'));
    const io = fakeIo({ EXPLAINSEG_CACHE: '/nonexistent/never' });
    await weightsCommand.run(args(['fetch', 'dino-vits16'], { url, cache, sha256: payloadHash }), io);
    expect(io.out()).toContain('(verified against the --sha256 value)');
  });

  it('lists known weights and rejects other verbs', async () => {
    const io = fakeIo();
    expect(await weightsCommand.run(args(['list']), io)).toBe(0);
    expect(io.out()).toContain('https://dl.fbaipublicfiles.com/dino/dino_deitsmall16_pretrain/dino_deitsmall16_pretrain.pth');
    await expect(weightsCommand.run(args(['pull', 'dino-vits16']), fakeIo())).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(weightsCommand.run(args(['fetch']), fakeIo())).rejects.toBeInstanceOf(InvalidArgumentError);
  });
});
