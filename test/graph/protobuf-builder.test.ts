import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, RuntimeError, SizeMismatchError } from '../../src/core/index.js';
import { GraphBuilder, GraphSession, add, inputGradient, linear, mul } from '../../src/graph/index.js';
import { ProtoWriter } from '../../src/graph/protobuf.js';

const bytesOf = (write: (w: ProtoWriter) => void): number[] => {
  const writer = new ProtoWriter();
  write(writer);
  return [...writer.finish()];
};

describe('ProtoWriter wire format (protobuf encoding guide examples)', () => {
  it.each([
    [1, 150, [0x08, 0x96, 0x01]],
    [1, 300, [0x08, 0xac, 0x02]],
    [2, 0, [0x10, 0x00]],
    [1, -1, [0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]],
    [1, 2 ** 35, [0x08, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01]],
  ])('field %i varint %d', (field, value, expected) => {
    expect(bytesOf((w) => w.varintField(field, value))).toEqual(expected);
  });

  it('writes strings, nested messages and fixed32 floats with their lengths', () => {
    expect(bytesOf((w) => w.stringField(2, 'testing'))).toEqual([0x12, 0x07, 0x74, 0x65, 0x73, 0x74, 0x69, 0x6e, 0x67]);
    const child = new ProtoWriter();
    child.varintField(1, 150);
    expect(bytesOf((w) => w.messageField(3, child))).toEqual([0x1a, 0x03, 0x08, 0x96, 0x01]);
    expect(bytesOf((w) => w.float32Field(2, 1))).toEqual([0x15, 0x00, 0x00, 0x80, 0x3f]);
  });
});

describe('GraphBuilder and GraphSession', () => {
  it('runs y = x W^T + b with a symbolic batch and writes only what the outputs need', async () => {
    const g = new GraphBuilder();
    const x = g.input('x', ['batch', 2]);
    const y = linear(g, x, g.weight('w', [3, 2], Float32Array.from([1, 2, 3, 4, 5, 6])), g.weight('b', [3], Float32Array.from([0.5, 0, -1])));
    g.weight('unused', [1000], new Float32Array(1000));
    const model = g.toModel({ y });
    expect(model.length).toBeLessThan(1000);
    const session = await GraphSession.create(model);
    for (const batch of [1, 3]) {
      const data = Float32Array.from({ length: 2 * batch }, (_, i) => i + 1);
      const out = await session.run({ x: { data, dims: [batch, 2] } });
      const expected = [...Array(batch).keys()].flatMap((b) => [0, 1, 2].map((o) => data[2 * b]! * (2 * o + 1) + data[2 * b + 1]! * (2 * o + 2) + [0.5, 0, -1][o]!));
      expect([...out.y!]).toEqual(expected);
    }
    await session.dispose();
  });

  it('gives the hand-computed gradient of sum(seed * (x * x + x)) = seed * (2x + 1)', async () => {
    const g = new GraphBuilder();
    const x = g.input('x', ['batch', 2], { differentiable: true });
    const y = add(g, mul(g, x, x), x);
    const gradient = inputGradient(g, y, g.input('seed', ['batch', 2]), x);
    const session = await GraphSession.create(g.toModel({ gradient }));
    const out = await session.run({ x: { data: Float32Array.from([1, -2, 3, 0.5]), dims: [2, 2] }, seed: { data: Float32Array.from([1, 2, -1, 4]), dims: [2, 2] } });
    expect([...out.gradient!]).toEqual([3, -6, -7, 8]);
    await session.dispose();
  });

  it('throws the documented errors', async () => {
    const g = new GraphBuilder();
    const x = g.input('x', [2, 2], { differentiable: true });
    expect(() => g.weight('w', [2, 2], new Float32Array(3))).toThrow(/expected 4 values \(shape 2x2\) for the weight w but received a Float32Array of length 3/);
    expect(() => add(g, x, g.input('z', [3]))).toThrow(SizeMismatchError);
    expect(() => inputGradient(g, x, g.input('s', [2]), x)).toThrow(SizeMismatchError);
    expect(() => inputGradient(g, g.input('c', [2]), g.input('s2', [2]), x)).toThrow(RuntimeError);
    await expect(GraphSession.create(new Uint8Array([1, 2, 3]))).rejects.toThrow(RuntimeError);
    await expect(GraphSession.create(new Uint8Array(0), { threads: 0 })).rejects.toThrow(InvalidArgumentError);
  });
});
