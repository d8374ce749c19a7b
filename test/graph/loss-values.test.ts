import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  GraphBuilder, GraphSession, binaryCrossEntropyWithLogits, lossGradients, oneHotTargets, softmaxCrossEntropy,
} from '../../src/graph/index.js';

// PyTorch 1.13 float64 autograd (scripts/make-optim-fixtures.py) against float32 in onnxruntime, with the
// batch symbolic as in training: relative 1e-5 of the largest value. Logits up to |40| check that the
// binary loss stays finite and exact where a naive log(sigmoid) would give -inf.
interface LossCase {
  name: string;
  kind: 'cross-entropy' | 'binary-cross-entropy';
  logits: number[];
  labels?: number[];
  targets?: number[];
  classWeights?: number[];
  positiveWeights?: number[];
  loss: number;
  gradient: number[];
}
const cases = (JSON.parse(readFileSync(new URL('../fixtures/optim/optim.json', import.meta.url), 'utf8')).losses as LossCase[]);
const CLASSES = 3;

async function lossAndGradient(c: LossCase): Promise<{ loss: number; gradient: Float32Array }> {
  const g = new GraphBuilder();
  const logits = g.input('logits', ['batch', CLASSES], { differentiable: true });
  const targets = g.input('targets', ['batch', CLASSES]);
  const loss = c.kind === 'cross-entropy'
    ? softmaxCrossEntropy(g, logits, targets, c.classWeights ? { classWeights: c.classWeights } : {})
    : binaryCrossEntropyWithLogits(g, logits, targets, c.positiveWeights ? { positiveWeights: c.positiveWeights } : {});
  const [gradient] = lossGradients(g, loss, [logits]);
  const session = await GraphSession.create(g.toModel({ loss, gradient: gradient! }), { threads: 1 });
  try {
    const batch = c.logits.length / CLASSES;
    const targetValues = c.labels ? oneHotTargets(c.labels, CLASSES) : Float32Array.from(c.targets!);
    const out = await session.run({
      logits: { data: Float32Array.from(c.logits), dims: [batch, CLASSES] },
      targets: { data: targetValues, dims: [batch, CLASSES] },
    });
    return { loss: out.loss![0]!, gradient: out.gradient! };
  } finally {
    await session.dispose();
  }
}

describe('losses in the graph against PyTorch', () => {
  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_, c) => {
    const { loss, gradient } = await lossAndGradient(c);
    expect(Math.abs(loss - c.loss)).toBeLessThan(1e-5 * Math.abs(c.loss));
    const scale = Math.max(...c.gradient.map(Math.abs));
    c.gradient.forEach((expected, i) => expect(Math.abs(gradient[i]! - expected)).toBeLessThan(1e-5 * scale));
  });

  it('turns labels into one-hot rows and refuses a label out of range', () => {
    expect([...oneHotTargets([2, 0], 3)]).toEqual([0, 0, 1, 1, 0, 0]);
    expect(() => oneHotTargets([3], 3)).toThrow(/expected an integer in \[0, 2\] for label 0 but received 3/);
  });

  it('refuses targets of another shape and class weights of another length', () => {
    const g = new GraphBuilder();
    const logits = g.input('logits', ['batch', 3], { differentiable: true });
    expect(() => softmaxCrossEntropy(g, logits, g.input('t', ['batch', 2]))).toThrow(/expected targets batchx3/);
    expect(() => softmaxCrossEntropy(g, logits, g.input('u', ['batch', 3]), { classWeights: [1, 2] })).toThrow(/3 values for the class weights/);
  });
});
