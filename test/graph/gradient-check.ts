/**
 * Central finite differences along a random direction against the engine's reverse-mode input gradient:
 * for L(x) = sum(seed * f(x)), check <dL/dx, d> against (L(x + eps d) - L(x - eps d)) / (2 eps).
 */
import { createRng } from '../../src/core/index.js';
import { GraphBuilder, GraphSession, inputGradient, type Value } from '../../src/graph/index.js';

export interface GradientCheck {
  readonly analytic: number;
  readonly numeric: number;
  /** Sum of |grad_i d_i|: the scale against which the error is judged. */
  readonly scale: number;
}

const randn = (n: number, rng: ReturnType<typeof createRng>): Float32Array => Float32Array.from({ length: n }, () => rng.normal());

export async function checkGradient(build: (g: GraphBuilder, x: Value) => Value, shape: readonly number[], options: { seed?: number; eps?: number } = {}): Promise<GradientCheck> {
  const rng = createRng(options.seed ?? 1);
  const eps = options.eps ?? 1e-2;
  const g = new GraphBuilder();
  const x = g.input('x', shape, { differentiable: true });
  const y = build(g, x);
  const seedValue = g.input('seed', y.shape);
  const gradient = inputGradient(g, y, seedValue, x);
  const session = await GraphSession.create(g.toModel({ y, gradient }), { threads: 1 });
  const size = shape.reduce((a, b) => a * b, 1);
  const outSize = (y.shape as number[]).reduce((a, b) => a * b, 1);
  const point = randn(size, rng);
  const seed = randn(outSize, rng);
  const direction = randn(size, rng);
  const loss = async (at: Float32Array): Promise<{ value: number; grad: Float32Array }> => {
    const out = await session.run({ x: { data: at, dims: shape }, seed: { data: seed, dims: y.shape as number[] } });
    let value = 0;
    for (let i = 0; i < outSize; i++) value += out.y![i]! * seed[i]!;
    return { value, grad: out.gradient! };
  };
  const shifted = (sign: number): Float32Array => point.map((v, i) => v + sign * eps * direction[i]!);
  const { grad } = await loss(point);
  const numeric = ((await loss(shifted(1))).value - (await loss(shifted(-1))).value) / (2 * eps);
  let analytic = 0;
  let scale = 0;
  for (let i = 0; i < size; i++) {
    analytic += grad[i]! * direction[i]!;
    scale += Math.abs(grad[i]! * direction[i]!);
  }
  await session.dispose();
  return { analytic, numeric, scale };
}
