/**
 * GraphBuilder: named values, initializers stored once, nodes, graph inputs and outputs with shapes,
 * and the tape that reverse-mode differentiation walks (see autodiff.ts).
 *
 * Shapes are tracked statically; at most one dimension may be symbolic (the batch), which lets a
 * Reshape target write it as -1.
 */
import { InvalidArgumentError, ensure } from '../core/index.js';
import { encodeModel, type Dim, type OnnxAttributeValue, type OnnxNode, type OnnxTensor, type OnnxValueInfo } from './onnx-proto.js';

export type { Dim } from './onnx-proto.js';

/** A tensor in the graph under construction. `requiresGrad` marks values that depend on a differentiable input. */
export interface Value {
  readonly name: string;
  readonly shape: readonly Dim[];
  readonly requiresGrad: boolean;
}

/**
 * Given the gradients of an op's outputs (undefined where no gradient flows), emit nodes computing the
 * gradients of its inputs (undefined for inputs that need none).
 */
export type BackwardRule = (g: GraphBuilder, outputGrads: readonly (Value | undefined)[]) => readonly (Value | undefined)[];

export interface TapeEntry {
  readonly opName: string;
  readonly inputs: readonly Value[];
  readonly outputs: readonly Value[];
  readonly backward: BackwardRule;
}

export class GraphBuilder {
  private readonly nodes: OnnxNode[] = [];
  private readonly initializers = new Map<string, OnnxTensor>();
  private readonly constantsByContent = new Map<string, Value>();
  private readonly inputs: OnnxValueInfo[] = [];
  private readonly parameters = new Map<string, Value>();
  private readonly entries: TapeEntry[] = [];
  private counter = 0;
  private recording = true;

  /** A graph input; `differentiable` inputs are the ones gradients are taken with respect to. */
  input(name: string, shape: readonly Dim[], options: { differentiable?: boolean } = {}): Value {
    this.inputs.push({ name, type: 'float', shape });
    return { name, shape, requiresGrad: options.differentiable ?? false };
  }

  /**
   * A trainable float32 parameter: a graph input fed at every run (so an optimiser can update it between
   * runs without rebuilding the session) and differentiable, unlike the frozen `weight`. Declaring the same
   * name twice returns the first declaration.
   */
  parameter(name: string, shape: readonly number[]): Value {
    const existing = this.parameters.get(name);
    if (existing) {
      ensure(existing.shape.join('x') === shape.join('x'), existing.shape.join('x'), `the parameter ${name} declared again`, shape.join('x'));
      return existing;
    }
    ensure(!this.initializers.has(name), 'a name not used by a frozen weight', 'the parameter', name);
    const value = this.input(name, shape, { differentiable: true });
    this.parameters.set(name, value);
    return value;
  }

  /** A frozen float32 initializer (a weight). The data is referenced, not copied, until serialisation. */
  weight(name: string, shape: readonly number[], data: Float32Array): Value {
    const size = shape.reduce((a, b) => a * b, 1);
    ensure(data.length === size, `${size} values (shape ${shape.join('x')})`, `the weight ${name}`, data);
    if (!this.initializers.has(name)) this.initializers.set(name, { name, type: 'float', dims: shape, data });
    return { name, shape, requiresGrad: false };
  }

  /** A float32 constant; equal constants are stored once. */
  constantFloat(values: readonly number[], shape: readonly number[] = [values.length]): Value {
    return this.constant('float', values, shape);
  }

  /** A 1-D int64 constant (shapes, axes, indices); equal constants are stored once. */
  constantInt64(values: readonly number[]): Value {
    return this.constant('int64', values, [values.length]);
  }

  /** Emit one node; output shapes come from the op function that calls this. */
  node(opType: string, inputs: readonly (Value | string)[], outputShapes: readonly (readonly Dim[])[], attributes?: Record<string, OnnxAttributeValue>): Value[] {
    const requiresGrad = inputs.some((input) => typeof input !== 'string' && input.requiresGrad);
    const outputs = outputShapes.map((shape) => ({ name: this.freshName(opType), shape, requiresGrad }));
    const inputNames = inputs.map((input) => (typeof input === 'string' ? input : input.name));
    this.nodes.push({ opType, inputs: inputNames, outputs: outputs.map((o) => o.name), ...(attributes ? { attributes } : {}) });
    return outputs;
  }

  /** Put an op on the tape when a gradient can flow through it. */
  record(opName: string, inputs: readonly Value[], outputs: readonly Value[], backward: BackwardRule): void {
    if (this.recording && inputs.some((input) => input.requiresGrad)) this.entries.push({ opName, inputs, outputs, backward });
  }

  /** The recorded ops, in forward order. */
  get tape(): readonly TapeEntry[] {
    return this.entries;
  }

  /** Run `emit` without recording (gradient nodes are never differentiated again). */
  withoutRecording<T>(emit: () => T): T {
    const previous = this.recording;
    this.recording = false;
    try {
      return emit();
    } finally {
      this.recording = previous;
    }
  }

  /**
   * Serialise the graph with the given named outputs. Only nodes and initializers that the outputs
   * depend on are written, so one builder can serve several sessions (forward only, gradient).
   */
  toModel(outputs: Readonly<Record<string, Value>>): Uint8Array {
    const renamed = Object.entries(outputs).map(([name, value]) => ({ opType: 'Identity', inputs: [value.name], outputs: [name] }));
    const nodes = liveNodes([...this.nodes, ...renamed], Object.keys(outputs));
    const used = new Set(nodes.flatMap((node) => node.inputs));
    return encodeModel({
      name: 'explainseg',
      nodes,
      initializers: [...this.initializers.values()].filter((tensor) => used.has(tensor.name)),
      inputs: this.inputs.filter((input) => used.has(input.name)),
      outputs: Object.entries(outputs).map(([name, value]) => ({ name, type: 'float', shape: value.shape })),
    });
  }

  private constant(type: 'float' | 'int64', values: readonly number[], shape: readonly number[]): Value {
    const key = `${type}:${shape.join(',')}:${values.join(',')}`;
    const existing = this.constantsByContent.get(key);
    if (existing) return existing;
    const name = this.freshName(`const_${type}`);
    const data = type === 'float' ? Float32Array.from(values) : BigInt64Array.from(values, (v) => BigInt(v));
    this.initializers.set(name, { name, type, dims: shape, data });
    const value = { name, shape, requiresGrad: false };
    this.constantsByContent.set(key, value);
    return value;
  }

  private freshName(prefix: string): string {
    this.counter += 1;
    return `${prefix}_${this.counter}`;
  }
}

/** Nodes the outputs depend on, in their original (topological) order. */
function liveNodes(nodes: readonly OnnxNode[], outputs: readonly string[]): OnnxNode[] {
  const producer = new Map<string, number>();
  nodes.forEach((node, index) => node.outputs.forEach((name) => producer.set(name, index)));
  const live = new Set<number>();
  const pending = [...outputs];
  while (pending.length > 0) {
    const index = producer.get(pending.pop()!);
    if (index === undefined || live.has(index)) continue;
    live.add(index);
    pending.push(...nodes[index]!.inputs.filter((name) => name !== ''));
  }
  return nodes.filter((_, index) => live.has(index));
}

/** The static shape as a Reshape target: the one symbolic dimension becomes -1. */
export function reshapeTarget(shape: readonly Dim[]): number[] {
  const symbolic = shape.filter((dim) => typeof dim === 'string').length;
  if (symbolic > 1) throw new InvalidArgumentError(`expected at most one symbolic dimension for a reshape target but received ${shape.join('x')}`);
  return shape.map((dim) => (typeof dim === 'number' ? dim : -1));
}

/** Normalise a possibly negative axis against a rank. */
export function normalizeAxis(axis: number, rank: number): number {
  const resolved = axis < 0 ? axis + rank : axis;
  ensure(resolved >= 0 && resolved < rank, `an axis in [${-rank}, ${rank - 1}]`, 'the axis', axis);
  return resolved;
}
