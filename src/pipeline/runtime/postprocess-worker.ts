/**
 * Entry of a post-processing worker thread (see postprocess-pool.ts). It answers each `{ id, job }` message
 * with `{ id, ok: true, result }` or `{ id, ok: false, error }`; a failing job never ends the worker, so the
 * pool survives bad inputs. Only plain data crosses; the masks of a result move back without copying.
 */
import { parentPort } from 'node:worker_threads';
import { serialiseError } from '../../core/index.js';
import { runPostprocessJob, transferListOf, type PostprocessJob } from './postprocess-job.js';

export interface WorkerRequest {
  readonly id: number;
  readonly job: PostprocessJob;
}

async function answer(request: WorkerRequest): Promise<void> {
  try {
    const result = await runPostprocessJob(request.job);
    parentPort!.postMessage({ id: request.id, ok: true, result }, transferListOf(result));
  } catch (error) {
    parentPort!.postMessage({ id: request.id, ok: false, error: serialiseError(error) });
  }
}

// Guarded so that importing this file on the main thread (a bundler, a type check) does nothing.
if (parentPort) parentPort.on('message', (request: WorkerRequest) => void answer(request));
