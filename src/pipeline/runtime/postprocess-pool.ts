/**
 * A small pool of worker threads for the CPU-bound half of a segment run (mask cut, DenseCRF, PNG writes),
 * so it runs on another core while the main thread waits on onnxruntime for the next image's gradients.
 *
 * Workers load the compiled `postprocess-worker.js` next to this module. When that file is missing, which is
 * the case when running from the TypeScript sources (vitest, ts-node), the pool runs every job on the
 * calling thread instead: same code, same results, no overlap. `inProcess` says which one you got.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { deserialiseError, ensureInteger, invalid, RuntimeError, type SerialisedError } from '../../core/index.js';
import { runPostprocessJob, transferListOf, type PostprocessJob, type PostprocessResult } from './postprocess-job.js';


export interface PostprocessPoolOptions {
  /** Worker threads; 0 runs every job on the calling thread. Default 1. */
  readonly workers?: number;
}

export interface PostprocessPool {
  /**
   * Queue a job; resolves with its result or rejects with the job's own error (same class, code, message).
   * With workers the job's typed arrays are moved, not copied: the caller must not read them afterwards.
   */
  run(job: PostprocessJob): Promise<PostprocessResult>;
  /** Waits for queued jobs, then ends the workers. Later `run` calls reject. */
  close(): Promise<void>;
  /** True when jobs run on the calling thread (workers: 0, or no compiled worker file next to this module). */
  readonly inProcess: boolean;
}

type WorkerReply = { id: number; ok: true; result: PostprocessResult } | { id: number; ok: false; error: SerialisedError };

interface Pending {
  readonly id: number;
  readonly job: PostprocessJob;
  resolve(result: PostprocessResult): void;
  reject(error: unknown): void;
}

interface Slot {
  worker: Worker;
  current?: Pending;
}

const WORKER_URL = new URL('./postprocess-worker.js', import.meta.url);

/**
 * @example
 * const pool = createPostprocessPool({ workers: 1 });
 * const { mask } = await pool.run({ image, map, config, grid: { rows: 224, cols: 224 } });
 * await pool.close();
 */
export function createPostprocessPool(options: PostprocessPoolOptions = {}): PostprocessPool {
  const workers = ensureInteger(options.workers ?? 1, 'the number of post-processing workers', { min: 0, max: 64 });
  if (workers === 0 || !existsSync(fileURLToPath(WORKER_URL))) return createInProcessPool();
  return createWorkerPool(workers);
}

/** Jobs one after another on the calling thread, in the order they were queued. */
function createInProcessPool(): PostprocessPool {
  let tail: Promise<unknown> = Promise.resolve();
  let closed = false;
  return {
    inProcess: true,
    run(job) {
      if (closed) return Promise.reject(closedError());
      const next = tail.then(() => runPostprocessJob(job));
      tail = next.catch(() => undefined);
      return next;
    },
    async close() {
      closed = true;
      await tail;
    },
  };
}

function createWorkerPool(size: number): PostprocessPool {
  const queue: Pending[] = [];
  const slots: Slot[] = Array.from({ length: size }, () => ({ worker: startWorker() }));
  let nextId = 0;
  let closed = false;
  let drained: (() => void) | undefined;

  function startWorker(): Worker {
    const worker = new Worker(WORKER_URL);
    worker.unref(); // an idle pool must not keep the process alive; a busy worker is ref'd in dispatch()
    worker.on('message', (reply: WorkerReply) => settle(worker, reply));
    worker.on('error', (error) => replaceWorker(worker, error));
    worker.on('exit', (code) => replaceWorker(worker, new RuntimeError(`post-processing worker exited with code ${code}`)));
    return worker;
  }

  function dispatch(): void {
    for (const slot of slots) {
      if (slot.current || queue.length === 0) continue;
      const pending = queue.shift()!;
      slot.current = pending;
      slot.worker.ref();
      post(slot.worker, { id: pending.id, job: pending.job });
    }
    if (!busy() && drained) drained();
  }

  /** Moves the job's arrays to the worker; a buffer the runtime refuses to move (external memory) is copied. */
  function post(worker: Worker, request: { id: number; job: PostprocessJob }): void {
    try {
      worker.postMessage(request, transferListOf(request.job));
    } catch {
      worker.postMessage(request);
    }
  }

  function busy(): boolean {
    return queue.length > 0 || slots.some((slot) => slot.current);
  }

  function settle(worker: Worker, reply: WorkerReply): void {
    const slot = slots.find((s) => s.worker === worker);
    if (!slot?.current || slot.current.id !== reply.id) return;
    const pending = slot.current;
    slot.current = undefined;
    worker.unref();
    if (reply.ok) pending.resolve(reply.result);
    else pending.reject(deserialiseError(reply.error));
    dispatch();
  }

  /** A crashed worker fails only the job it held; a fresh one takes its place so the pool keeps going. */
  function replaceWorker(worker: Worker, error: unknown): void {
    const slot = slots.find((s) => s.worker === worker);
    if (!slot) return;
    const pending = slot.current;
    slot.current = undefined;
    worker.removeAllListeners();
    void worker.terminate();
    if (closed && !pending) return;
    slot.worker = startWorker();
    pending?.reject(error);
    dispatch();
  }

  return {
    inProcess: false,
    run(job) {
      if (closed) return Promise.reject(closedError());
      return new Promise<PostprocessResult>((resolve, reject) => {
        queue.push({ id: nextId++, job, resolve, reject });
        dispatch();
      });
    },
    async close() {
      closed = true;
      if (busy()) await new Promise<void>((resolve) => (drained = resolve));
      await Promise.all(slots.map((slot) => (slot.worker.removeAllListeners(), slot.worker.terminate())));
    },
  };
}

function closedError(): Error {
  return invalid('an open post-processing pool', 'run', 'a closed one');
}
