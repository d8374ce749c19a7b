import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { WeightsError } from '../../src/core/errors.js';
import { loadWeights, parsePth } from '../../src/backbone/weights/index.js';
import type { StateDict } from '../../src/backbone/state-dict.js';

const fixtures = join(import.meta.dirname, '..', 'fixtures', 'weights');
type Expected = Record<string, { shape: number[]; data: number[] }>;
const expected = JSON.parse(readFileSync(join(fixtures, 'expected.json'), 'utf8')) as Record<string, Expected> & { npy_f2: number[] };

/** Exact comparison: the loader must reproduce PyTorch's float32 values bit for bit (tolerance 0). */
function expectTensors(stateDict: StateDict, wanted: Expected): void {
  for (const [name, { shape, data }] of Object.entries(wanted)) {
    const tensor = stateDict.get(name);
    expect(tensor, name).toBeDefined();
    expect(tensor!.shape, name).toEqual(shape);
    expect(Array.from(tensor!.data), name).toEqual(data.map(Math.fround));
  }
}

describe('loadWeights on torch.save checkpoints (fixtures from scripts/make-weights-fixtures.py)', () => {
  it('reads a plain float32 state dict exactly, with its SHA-256 and dtype', async () => {
    const weights = await loadWeights(join(fixtures, 'tiny-vit.pth'));
    expect(weights.format).toBe('pth');
    expect(weights.dtypes).toEqual(['float32']);
    expect([...weights.stateDict.keys()]).toEqual(Object.keys(expected.plain!));
    expectTensors(weights.stateDict, expected.plain!);
    expect(weights.ignored).toEqual([]);
    expect(weights.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('prefers the teacher of a wrapped checkpoint, strips module./backbone. and reports the rest as ignored', async () => {
    const weights = await loadWeights(join(fixtures, 'tiny-vit-wrapped.pth'));
    expectTensors(weights.stateDict, expected.plain!);
    expect(weights.stateDict.size).toBe(18);
    expect(Array.from(weights.stateDict.get('cls_token')!.data)).not.toEqual(expected.student!.cls_token!.data.map(Math.fround));
    expect(weights.ignored).toEqual([
      "student (top-level entry; using 'teacher')",
      "epoch (top-level entry; using 'teacher')",
      "lr (top-level entry; using 'teacher')",
      'module.head.mlp.0.weight (not part of the backbone)',
      'module.head.last_layer.weight_g (not part of the backbone)',
    ]);
  });

  it('honours storage offsets and strides of non-contiguous views', async () => {
    const weights = await loadWeights(join(fixtures, 'tiny-vit-views.pth'));
    expectTensors(weights.stateDict, expected.views!);
    // fc2 is fc1 transposed in this fixture: element [r][c] of fc2 is element [c][r] of fc1
    const fc1 = weights.stateDict.get('blocks.0.mlp.fc1.weight')!;
    const fc2 = weights.stateDict.get('blocks.0.mlp.fc2.weight')!;
    expect(fc2.data[3 * 32 + 17]).toBe(fc1.data[17 * 8 + 3]);
  });

  it('widens float16 and bfloat16 storages to the values PyTorch holds', async () => {
    const weights = await loadWeights(join(fixtures, 'tiny-vit-half.pth'));
    expect(weights.dtypes).toEqual(['bfloat16', 'float16']);
    expectTensors(weights.stateDict, expected.half!);
  });

  it('reads an archive re-packed with deflate entries and another archive folder name', async () => {
    const weights = await loadWeights(join(fixtures, 'tiny-vit-deflate.pth'));
    expectTensors(weights.stateDict, expected.plain!);
  });
});

describe('parsePth rejects what it cannot read, naming the file', () => {
  const cases: Array<[string, () => Uint8Array, RegExp]> = [
    ['a zip without data.pkl', () => zipOf({ 'x/other.txt': 'hi' }), /bad\.pth: zip archive without <archive>\/data\.pkl/],
    ['a TorchScript archive', () => zipOf({ 'x/constants.pkl': '', 'x/code/a.py': '' }), /TorchScript/],
    ['an unknown opcode', () => zipOf({ 'x/data.pkl': new Uint8Array([0x80, 0x02, 0xff]) }), /unsupported pickle opcode 0xff/],
    ['a truncated pickle', () => zipOf({ 'x/data.pkl': new Uint8Array([0x80, 0x02, 0x58, 9, 0, 0, 0]) }), /ends inside an opcode/],
    ['not a zip', () => new Uint8Array(40), /no end-of-central-directory/],
    ['an integer storage', () => zipOf({ 'x/data.pkl': longStoragePickle() }), /torch\.LongStorage is not supported/],
  ];
  it.each(cases)('%s', (_name, make, message) => {
    let thrown: unknown;
    try {
      parsePth(make(), 'bad.pth');
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(WeightsError);
    expect((thrown as WeightsError).code).toBe('E_WEIGHTS');
    expect((thrown as Error).message).toMatch(/^bad\.pth: /);
    expect((thrown as Error).message).toMatch(message);
  });

  it('rejects a view reaching past its storage', () => {
    const bytes = readFileSync(join(fixtures, 'tiny-vit.pth'));
    const truncated = zipOf({ 'x/data.pkl': readZipMember(bytes, 'tiny-vit/data.pkl'), 'x/data/0': new Uint8Array(8) });
    expect(() => parsePth(truncated, 'cut.pth')).toThrow(/cut\.pth: tensor 'cls_token': expected a view inside a storage of 2 elements/);
  });
});

/** A pickle whose only tensor sits on a LongStorage (int64), which a float loader must refuse. */
function longStoragePickle(): Uint8Array {
  const text = (s: string): number[] => [0x58, s.length, 0, 0, 0, ...Buffer.from(s)];
  return new Uint8Array([
    0x80, 0x02, 0x7d, 0x28, ...text('a'),
    0x63, ...Buffer.from('torch._utils\n_rebuild_tensor_v2\n'),
    0x28, 0x28, ...text('storage'), 0x63, ...Buffer.from('torch\nLongStorage\n'), ...text('0'), ...text('cpu'), 0x4b, 1, 0x74, 0x51,
    0x4b, 0, 0x4b, 1, 0x85, 0x4b, 1, 0x85, 0x89, 0x4e, 0x74, 0x52, 0x75, 0x2e,
  ]);
}

/** Minimal zip writer for malformed-archive tests (deflate entries, central directory, classic end record). */
function zipOf(members: Record<string, string | Uint8Array>): Uint8Array {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const [name, content] of Object.entries(members)) {
    const data = typeof content === 'string' ? Buffer.from(content) : Buffer.from(content);
    const packed = deflateRawSync(data);
    const nameBytes = Buffer.from(name);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(8, 8);
    local.writeUInt32LE(packed.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(8, 10);
    central.writeUInt32LE(packed.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBytes.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, nameBytes, packed);
    centrals.push(central, nameBytes);
    offset += 30 + nameBytes.length + packed.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(Object.keys(members).length, 8);
  end.writeUInt16LE(Object.keys(members).length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return new Uint8Array(Buffer.concat([...locals, directory, end]));
}

function readZipMember(bytes: Uint8Array, name: string): Uint8Array {
  // the fixtures store members uncompressed: find the name in a local header and read to the next signature
  const buffer = Buffer.from(bytes);
  const at = buffer.indexOf(Buffer.from(name)) + name.length;
  const extra = buffer.readUInt16LE(at - name.length - 2);
  const start = at + extra;
  return new Uint8Array(buffer.subarray(start, buffer.indexOf(Buffer.from('PK\x07\x08'), start)));
}
