import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { weightsCachePath } from '../../src/backbone/weights/index.js';
import { DatasetError, InputFileError, WeightsError } from '../../src/core/index.js';
import { namedDataFolder, resolveDemoInputs, type DemoInputOptions } from '../../src/cli/demo-inputs.js';
import { datasetCachePath } from '../../src/data/index.js';
import { kvasirSegZip } from '../data/fetch-fixtures.js';
import { makeTempDir } from '../data/synthetic.js';
import { fakeIo } from '../helpers/fake-io.js';
import { startFileServer, type FileServer } from '../helpers/file-server.js';

const KVASIR: DemoInputOptions = { dataset: 'kvasir-seg' };

/** A cache folder, optionally holding the weights and the Kvasir-SEG folder where the fetch commands put them. */
async function cache(contents: { weights?: boolean; data?: boolean } = {}): Promise<string> {
  const dir = await makeTempDir('demo-inputs-');
  if (contents.weights) {
    await mkdir(join(dir, 'weights'));
    await writeFile(weightsCachePath('dino-vits16', dir), 'w');
  }
  if (contents.data) await mkdir(datasetCachePath('kvasir-seg', dir), { recursive: true });
  return dir;
}

async function folder(): Promise<string> {
  return makeTempDir('demo-inputs-folder-');
}

describe('demo argument resolution', () => {
  it('takes --data over EXPLAINSEG_DATA over the cache', async () => {
    const [dir, flag, env] = [await cache({ weights: true, data: true }), await folder(), await folder()];
    const io = fakeIo({ EXPLAINSEG_CACHE: dir, EXPLAINSEG_DATA: env });
    expect((await resolveDemoInputs({ data: flag }, io, KVASIR)).dataRoot).toBe(flag);
    expect((await resolveDemoInputs({}, io, KVASIR)).dataRoot).toBe(env);
    expect(await resolveDemoInputs({}, fakeIo({ EXPLAINSEG_CACHE: dir }), KVASIR)).toEqual({
      weightsPath: weightsCachePath('dino-vits16', dir), dataRoot: datasetCachePath('kvasir-seg', dir),
    });
  });

  it('takes --weights over EXPLAINSEG_WEIGHTS over the cache', async () => {
    const dir = await cache({ weights: true, data: true });
    const [flag, env] = [join(dir, 'flag.pth'), join(dir, 'env.pth')];
    await writeFile(flag, 'f');
    await writeFile(env, 'e');
    const io = fakeIo({ EXPLAINSEG_CACHE: dir, EXPLAINSEG_WEIGHTS: env });
    expect((await resolveDemoInputs({ weights: flag }, io, KVASIR)).weightsPath).toBe(flag);
    expect((await resolveDemoInputs({}, io, KVASIR)).weightsPath).toBe(env);
  });

  it('names exactly the two fetch commands when neither weights nor data are anywhere', async () => {
    const dir = await cache();
    const attempt = resolveDemoInputs({}, fakeIo({ EXPLAINSEG_CACHE: dir }), KVASIR);
    await expect(attempt).rejects.toBeInstanceOf(DatasetError);
    await expect(attempt).rejects.toThrow("fetch them with 'explainseg weights fetch dino-vits16' and 'explainseg data fetch kvasir-seg', or run 'explainseg demo --fetch' to do both");
    await expect(attempt).rejects.toThrow(`looked in ${weightsCachePath('dino-vits16', dir)} and ${datasetCachePath('kvasir-seg', dir)}`);
  });

  it('names only the command for what is missing', async () => {
    const noData = resolveDemoInputs({}, fakeIo({ EXPLAINSEG_CACHE: await cache({ weights: true }) }), KVASIR);
    await expect(noData).rejects.toBeInstanceOf(DatasetError);
    await expect(noData).rejects.toThrow("run 'explainseg data fetch kvasir-seg'");
    await expect(noData).rejects.not.toThrow(/weights fetch/);
    const noWeights = resolveDemoInputs({}, fakeIo({ EXPLAINSEG_CACHE: await cache({ data: true }) }), KVASIR);
    await expect(noWeights).rejects.toBeInstanceOf(WeightsError);
    await expect(noWeights).rejects.toThrow("run 'explainseg weights fetch dino-vits16'");
    await expect(noWeights).rejects.not.toThrow(/data fetch/);
  });

  it('reports a named folder that is missing rather than the cache', async () => {
    const dir = await cache({ weights: true, data: true });
    const attempt = resolveDemoInputs({ data: join(dir, 'gone') }, fakeIo({ EXPLAINSEG_CACHE: dir }), KVASIR);
    await expect(attempt).rejects.toBeInstanceOf(InputFileError);
  });

  it('guesses the dataset kind from the folder named by --data, else EXPLAINSEG_DATA', () => {
    expect(namedDataFolder({ data: '/d/ph2' }, { EXPLAINSEG_DATA: '/d/bus-bra' })).toBe('/d/ph2');
    expect(namedDataFolder({}, { EXPLAINSEG_DATA: '/d/bus-bra' })).toBe('/d/bus-bra');
    expect(namedDataFolder({}, { EXPLAINSEG_DATA: '' })).toBeUndefined();
  });
});

describe('demo --fetch against a local HTTP server', () => {
  let server: FileServer;
  let fetchUrls: DemoInputOptions['fetchUrls'];
  beforeAll(async () => {
    server = await startFileServer();
    server.serve('/dino.pth', Buffer.from('tiny weights'));
    server.serve('/kvasir-seg.zip', await kvasirSegZip());
    fetchUrls = { weights: `${server.base}/dino.pth`, data: `${server.base}/kvasir-seg.zip` };
  });
  afterAll(() => server.close());

  it('fetches what is missing into the cache, then finds it there; a second run fetches nothing', async () => {
    const dir = await cache();
    const messages: string[] = [];
    const options = { ...KVASIR, fetchUrls, onFetch: (message: string) => messages.push(message) };
    const inputs = await resolveDemoInputs({ fetch: true }, fakeIo({ EXPLAINSEG_CACHE: dir }), options);
    expect(inputs).toEqual({ weightsPath: weightsCachePath('dino-vits16', dir), dataRoot: datasetCachePath('kvasir-seg', dir) });
    expect(messages).toEqual([`weights dino-vits16 into ${inputs.weightsPath}`, `data kvasir-seg into ${inputs.dataRoot}`]);
    expect((await readdir(join(inputs.dataRoot, 'images'))).sort()).toEqual(['cju0aaa.jpg', 'cju0bbb.jpg']);
    const requests = server.log.length;
    await resolveDemoInputs({ fetch: true }, fakeIo({ EXPLAINSEG_CACHE: dir }), options);
    expect(server.log).toHaveLength(requests);
  });

  it('fetches only the data when the weights are given', async () => {
    const dir = await cache();
    const weights = join(dir, 'mine.pth');
    await writeFile(weights, 'w');
    server.log.length = 0;
    const inputs = await resolveDemoInputs({ fetch: true, weights }, fakeIo({ EXPLAINSEG_CACHE: dir }), { ...KVASIR, fetchUrls });
    expect(inputs.weightsPath).toBe(weights);
    expect(server.log.map((entry) => entry.path)).toEqual(['/kvasir-seg.zip']);
  });
});
