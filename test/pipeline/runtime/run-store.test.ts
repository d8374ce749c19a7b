import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RunStore, stableStringify } from '../../../src/pipeline/runtime/run-store.js';
import { InputFileError } from '../../../src/core/errors.js';

describe('RunStore', () => {
  it('returns a finished result only under the same key, and retries failures', async () => {
    const store = new RunStore<{ iou: number }>(await mkdtemp(join(tmpdir(), 'explainseg-store-')));
    const key = RunStore.keyFor('abc', { a: 1, b: { c: 2 } });
    expect(await store.finished('img/1', key)).toBeUndefined();
    await store.saveResult('img/1', key, { iou: 0.5 });
    expect((await store.finished('img/1', key))?.result).toEqual({ iou: 0.5 });
    expect(await store.finished('img/1', RunStore.keyFor('abc', { a: 2, b: { c: 2 } }))).toBeUndefined();
    await store.saveFailure('img/2', key, new InputFileError('x.png', 'truncated'));
    expect(await store.finished('img/2', key)).toBeUndefined();
  });

  it('treats a corrupt record as not finished', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'explainseg-store-'));
    const store = new RunStore(dir);
    await store.saveResult('a', 'k', 1);
    await writeFile(join(dir, 'items', 'a.json'), '{"id":"a","key":"k","sta');
    expect(await store.finished('a', 'k')).toBeUndefined();
  });

  it('hashes configs independently of key order', () => {
    expect(stableStringify({ b: 1, a: [1, { d: 1, c: 2 }] })).toBe('{"a":[1,{"c":2,"d":1}],"b":1}');
    expect(RunStore.keyFor('x', { a: 1, b: 2 })).toBe(RunStore.keyFor('x', { b: 2, a: 1 }));
  });
});
