import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidArgumentError, WeightsError } from '../../src/core/errors.js';
import type { ParsedArgs } from '../../src/cli/command.js';
import { inspectCommand } from '../../src/cli/commands/inspect.js';
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
