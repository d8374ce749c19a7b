/**
 * Central finite differences along a random direction against the engine's reverse-mode input gradient:
 * for L(x) = sum(seed * f(x)), check <dL/dx, d> against (L(x + eps d) - L(x - eps d)) / (2 eps).
 */
import { createRng } from '../../src/core/index.js';
import { GraphBuilder, GraphSession, gradients, inputGradient, type Value } from '../../src/graph/index.js';

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

export interface ParameterShapes {
  readonly input: readonly number[];
  readonly parameters: readonly (readonly number[])[];
  /** Also check the input gradient, formed in the same backward pass; default false. */
  readonly inputDifferentiable?: boolean;
}

/**
 * The same check for trainable parameters (GraphBuilder `parameter`, fed as graph inputs): one backward
 * pass gives every gradient, then each parameter (and the input, if differentiable) is moved alone along
 * its own random direction. Returns one check per differentiated value, the input first.
 */
export async function checkParameterGradients(
  build: (g: GraphBuilder, x: Value, parameters: readonly Value[]) => Value,
  shapes: ParameterShapes,
  options: { seed?: number; eps?: number } = {},
): Promise<GradientCheck[]> {
  const rng = createRng(options.seed ?? 1);
  const eps = options.eps ?? 1e-2;
  const g = new GraphBuilder();
  const x = g.input('x', shapes.input, { differentiable: shapes.inputDifferentiable ?? false });
  const parameters = shapes.parameters.map((shape, k) => g.parameter(`p${k}`, shape));
  const y = build(g, x, parameters);
  const seedValue = g.input('seed', y.shape);
  const wrt = shapes.inputDifferentiable ? [x, ...parameters] : parameters;
  const grads = gradients(g, y, seedValue, wrt);
  const outputs = Object.fromEntries([['y', y], ...grads.map((grad, k) => [`grad${k}`, grad] as const)]);
  const session = await GraphSession.create(g.toModel(outputs), { threads: 1 });
  const size = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);
  const outSize = size(y.shape as number[]);
  const seed = randn(outSize, rng);
  const point = new Map(wrt.concat(shapes.inputDifferentiable ? [] : [x]).map((value) => [value.name, randn(size(value.shape as number[]), rng)]));
  const shapeOf = new Map([x, ...parameters].map((value) => [value.name, value.shape as number[]]));
  const run = (at: ReadonlyMap<string, Float32Array>): Promise<Record<string, Float32Array>> => {
    const feeds = Object.fromEntries([...at].map(([name, data]) => [name, { data, dims: shapeOf.get(name)! }]));
    return session.run({ ...feeds, seed: { data: seed, dims: y.shape as number[] } });
  };
  const lossAt = async (at: ReadonlyMap<string, Float32Array>): Promise<number> => (await run(at)).y!.reduce((sum, v, i) => sum + v * seed[i]!, 0);
  const analyticGrads = await run(point);
  const checks: GradientCheck[] = [];
  for (const [k, value] of wrt.entries()) {
    const base = point.get(value.name)!;
    const direction = randn(base.length, rng);
    const moved = (sign: number): Map<string, Float32Array> => new Map(point).set(value.name, base.map((v, i) => v + sign * eps * direction[i]!));
    const numeric = ((await lossAt(moved(1))) - (await lossAt(moved(-1)))) / (2 * eps);
    const grad = analyticGrads[`grad${k}`]!;
    checks.push({ analytic: grad.reduce((sum, v, i) => sum + v * direction[i]!, 0), numeric, scale: grad.reduce((sum, v, i) => sum + Math.abs(v * direction[i]!), 0) });
  }
  await session.dispose();
  return checks;
}
