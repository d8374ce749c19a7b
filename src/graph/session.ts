/**
 * A thin wrapper over an onnxruntime-node InferenceSession: float32 feeds in, Float32Array outputs out,
 * runtime failures mapped to RuntimeError.
 */
import * as ort from 'onnxruntime-node';
import { RuntimeError, ensure, ensureInteger } from '../core/index.js';

export interface SessionOptions {
  /** Threads for one op (GEMM); default 2, the machines this runs on are small. */
  readonly threads?: number;
  /**
   * onnxruntime graph optimisation level; default 'extended' (constant folding, fusions). Measured on the
   * ViT-S/16 graphs with onnxruntime 1.30 on 2 CPU threads, 'all' (which adds the NCHWc layout pass) cost
   * 7-9% more CPU time per image for the gradient at batch 2 and 4 and gave the forward nothing (in an
   * earlier run with spinning threads on a loaded machine it looked 3-5x slower in wall time).
   */
  readonly optimizationLevel?: 'disabled' | 'basic' | 'extended' | 'all';
  /**
   * Let idle intra-op threads spin for the next op (onnxruntime's default) instead of sleeping. Default
   * false: on the small shared machines this runs on, spinning threads take cores from the busy ones; with
   * ViT-S/16's gradient at batch 4 under load 13 on 2 cores, turning spinning off cut wall time per image
   * from ~830 to ~550 ms and CPU time from ~245 to ~175 ms.
   */
  readonly spinning?: boolean;
  /**
   * Keep onnxruntime's CPU memory arena (default true). The arena grows in power-of-two steps and never
   * shrinks, so for a graph whose tensors are large and short-lived (a CNN training step at 256 x 256) it
   * can hold several times the live peak; false allocates and frees each tensor instead.
   */
  readonly memoryArena?: boolean;
}

export interface Feed {
  readonly data: Float32Array;
  readonly dims: readonly number[];
}

export class GraphSession {
  private constructor(private readonly session: ort.InferenceSession) {}

  /** Load a serialised ONNX model (see GraphBuilder.toModel). */
  static async create(model: Uint8Array, options: SessionOptions = {}): Promise<GraphSession> {
    const threads = ensureInteger(options.threads ?? 2, 'the session threads', { min: 1, max: 256 });
    try {
      const session = await ort.InferenceSession.create(model, {
        intraOpNumThreads: threads,
        interOpNumThreads: 1,
        executionMode: 'sequential',
        graphOptimizationLevel: options.optimizationLevel ?? 'extended',
        ...(options.memoryArena === false ? { enableCpuMemArena: false } : {}),
        extra: { session: { intra_op: { allow_spinning: options.spinning ? '1' : '0' } } },
      });
      return new GraphSession(session);
    } catch (error) {
      throw new RuntimeError(`onnxruntime could not load the graph: ${(error as Error).message}`, { cause: error });
    }
  }

  get inputNames(): readonly string[] {
    return this.session.inputNames;
  }

  get outputNames(): readonly string[] {
    return this.session.outputNames;
  }

  /** Run the graph; returns every output (or those named) as Float32Array. */
  async run(feeds: Readonly<Record<string, Feed>>, outputs?: readonly string[]): Promise<Record<string, Float32Array>> {
    const tensors: Record<string, ort.Tensor> = {};
    for (const [name, feed] of Object.entries(feeds)) {
      const size = feed.dims.reduce((a, b) => a * b, 1);
      ensure(feed.data.length === size, `${size} values (${feed.dims.join('x')})`, `the input ${name}`, feed.data);
      tensors[name] = new ort.Tensor('float32', feed.data, [...feed.dims]);
    }
    let results: ort.InferenceSession.OnnxValueMapType;
    try {
      results = outputs ? await this.session.run(tensors, [...outputs]) : await this.session.run(tensors);
    } catch (error) {
      throw new RuntimeError(`onnxruntime failed to run the graph: ${(error as Error).message}`, { cause: error });
    }
    const out: Record<string, Float32Array> = {};
    for (const [name, tensor] of Object.entries(results)) out[name] = (tensor as ort.Tensor).data as Float32Array;
    return out;
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }
}
