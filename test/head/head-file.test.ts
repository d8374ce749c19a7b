import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputFileError, ModelMismatchError } from '../../src/core/index.js';
import { createLinearHead, ensureCompatibleHead, headFromJson, loadHead, saveHead, type HeadModel } from '../../src/head/index.js';

const SHA = 'ab'.repeat(32);

function model(): HeadModel {
  return {
    head: createLinearHead(['benign', 'malignant'], 3, Float32Array.from([0.1, -2.5e-7, Math.PI, 1, 2, 3]), Float32Array.from([0.5, -0.5])),
    featureKind: 'clsLast4', inputSize: 224,
    normalisation: { mean: [0.4, 0.5, 0.6], std: [0.2, 0.25, 0.3] },
    backbone: { sha256: SHA, config: { patchSize: 16, dim: 384 } },
    training: { seed: 7, config: { epochs: 100 } },
  };
}

describe('head file', () => {
  it('round-trips every field exactly (float32 survives JSON)', async () => {
    const path = join(await mkdtemp(join(tmpdir(), 'head-')), 'head.json');
    await saveHead(path, model());
    expect(await loadHead(path)).toEqual(model());
    expect((await readFile(path)).length).toBeLessThan(2000);
  });

  it('round-trips a head that needs fine-tuned blocks as version 2, and checks the reference', async () => {
    const path = join(await mkdtemp(join(tmpdir(), 'head-')), 'head.json');
    const finetuned = { blocks: 2, file: 'finetuned-blocks.safetensors', sha256: 'cd'.repeat(32) };
    await saveHead(path, { ...model(), finetuned });
    expect(await loadHead(path)).toEqual({ ...model(), finetuned });
    const json = JSON.parse(await readFile(path, 'utf8'));
    expect(json.version).toBe(2);
    await writeFile(path, JSON.stringify({ ...json, version: 1, finetuned: { blocks: 0, file: '../other/blocks.safetensors', sha256: 'x' } }));
    const message = ((await loadHead(path).catch((e: unknown) => e)) as Error).message;
    expect(message).toMatch(/expected 2 \(a head with fine-tuned blocks\) for version but received 1/);
    expect(message).toMatch(/expected a positive integer for finetuned\.blocks but received 0/);
    expect(message).toMatch(/expected a file name beside head\.json for finetuned\.file but received "\.\.\/other\/blocks\.safetensors"/);
    expect(message).toMatch(/expected a 64-digit hex SHA-256 for finetuned\.sha256 but received "x"/);
  });

  it('lists every problem of a damaged file', async () => {
    const path = join(await mkdtemp(join(tmpdir(), 'head-')), 'head.json');
    await saveHead(path, model());
    const json = JSON.parse(await readFile(path, 'utf8'));
    json.weight = json.weight.slice(1);
    json.backbone.sha256 = 'nope';
    json.version = 99;
    await writeFile(path, JSON.stringify(json));
    const error = await loadHead(path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputFileError);
    expect((error as Error).message).toMatch(/version[\s\S]*backbone\.sha256[\s\S]*expected 6 finite numbers for weight but received "5 values"/);
    await writeFile(path, '{ not json');
    await expect(loadHead(path)).rejects.toThrow(/not valid JSON/);
  });

  it.each([
    ['NaN written by JSON.stringify as null', (w: unknown[]) => { w[4] = null; }, /expected a finite number for weight\[4\] but received null \(how JSON writes NaN and Infinity/],
    ['a string', (w: unknown[]) => { w[1] = '0.5'; }, /expected a finite number for weight\[1\] but received '0\.5'$/m],
    ['three bad entries', (w: unknown[]) => { w[2] = null; w[3] = null; w[5] = 'x'; }, /for weight\[2\] but received null .*; 2 more entries are not finite/],
  ])('names the first weight entry that is not finite (%s), not the count of values', async (_, damage, problem) => {
    const path = join(await mkdtemp(join(tmpdir(), 'head-')), 'head.json');
    await saveHead(path, model());
    const json = JSON.parse(await readFile(path, 'utf8'));
    damage(json.weight);
    await writeFile(path, JSON.stringify(json));
    const error = await loadHead(path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputFileError);
    expect((error as Error).message).toMatch(problem);
    expect((error as Error).message).not.toMatch(/received "6 values"/);
  });

  it('names a non-finite bias entry, and a NaN given in memory as NaN', async () => {
    const path = join(await mkdtemp(join(tmpdir(), 'head-')), 'head.json');
    await saveHead(path, { ...model(), head: createLinearHead(['benign', 'malignant'], 3, Float32Array.from([0, 0, Number.NaN, 0, 0, 0]), Float32Array.from([0, Infinity])) });
    await expect(loadHead(path)).rejects.toThrow(/weight\[2\] but received null[\s\S]*bias\[1\] but received null/);
    const json = JSON.parse(await readFile(path, 'utf8'));
    expect(() => headFromJson({ ...json, weight: [0, 0, Number.NaN, 0, 0, 0], bias: [0, 0] }, 'memory')).toThrow(/expected a finite number for weight\[2\] but received NaN$/m);
  });

  it('throws ModelMismatchError for another backbone or input size, and passes a matching one', () => {
    expect(() => ensureCompatibleHead(model(), { backboneSha256: SHA, inputSize: 224, featureKind: 'clsLast4', classes: ['benign', 'malignant'] })).not.toThrow();
    expect(() => ensureCompatibleHead(model(), { backboneSha256: 'cd'.repeat(32), inputSize: 224 })).toThrow(ModelMismatchError);
    expect(() => ensureCompatibleHead(model(), { backboneSha256: SHA, inputSize: 256 })).toThrow(/input size 224 \(head\) vs 256/);
  });
});
