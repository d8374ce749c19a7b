/**
 * The fine-tuning checkpoint: one safetensors file, written atomically after every epoch, holding everything
 * a run needs to continue as if it had never stopped: the current weights, the best epoch's weights (early
 * stopping keeps those), the optimiser's buffers and step count, and in the metadata the epochs done, the
 * history, the best score, the random state (seed and next epoch, see epochSeed) and the identity of the run
 * (a hash of its config and base weights), so a checkpoint is never resumed under other settings.
 */
import { readFile } from 'node:fs/promises';
import { InvalidArgumentError, sha256Bytes, writeFileAtomic } from '../../core/index.js';
import { encodeSafetensors, parseSafetensors, type SafetensorsEntry } from '../../backbone/index.js';
import type { OptimizerState } from '../../graph/index.js';
import type { EpochRecord } from '../../head/index.js';

export const CHECKPOINT_FORMAT = 'explainseg-finetune-checkpoint';
export const CHECKPOINT_FILE = 'checkpoint.safetensors';

export interface FinetuneCheckpoint {
  /** Hash of the run's config and base weights (checkpointIdentity). */
  readonly identity: string;
  readonly epochsDone: number;
  /** True once the run ended (all epochs, or early stopping): resuming then only rebuilds the result. */
  readonly finished: boolean;
  readonly stoppedEarly: boolean;
  readonly history: readonly EpochRecord[];
  readonly best: { readonly epoch: number; readonly score: number } | null;
  /** The random state at the epoch boundary: every epoch's generator is seeded by (seed, epoch). */
  readonly rng: { readonly seed: number; readonly nextEpoch: number };
  readonly weights: ReadonlyMap<string, Float32Array>;
  readonly bestWeights: ReadonlyMap<string, Float32Array> | null;
  readonly optimizer: OptimizerState;
}

/** What makes two runs the same run: every setting that changes the result, and the base weights. */
export function checkpointIdentity(settings: unknown, baseSha256: string): string {
  return sha256Bytes(JSON.stringify({ settings, baseSha256 }));
}

const littleEndian = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

function entry(data: Float32Array): SafetensorsEntry {
  if (littleEndian) return { dtype: 'float32', shape: [data.length], bytes: new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength)) };
  const bytes = new Uint8Array(data.length * 4);
  const view = new DataView(bytes.buffer);
  data.forEach((value, i) => view.setFloat32(i * 4, value, true));
  return { dtype: 'float32', shape: [data.length], bytes };
}

export async function writeCheckpoint(path: string, checkpoint: FinetuneCheckpoint): Promise<void> {
  const entries = new Map<string, SafetensorsEntry>();
  for (const [name, data] of checkpoint.weights) entries.set(`weights/${name}`, entry(data));
  for (const [name, data] of checkpoint.bestWeights ?? []) entries.set(`best/${name}`, entry(data));
  for (const [name, buffers] of checkpoint.optimizer.buffers) buffers.forEach((buffer, k) => entries.set(`optimizer/${name}/${k}`, entry(buffer)));
  const state = {
    identity: checkpoint.identity, epochsDone: checkpoint.epochsDone, finished: checkpoint.finished, stoppedEarly: checkpoint.stoppedEarly,
    history: checkpoint.history, best: checkpoint.best, rng: checkpoint.rng, optimizerSteps: checkpoint.optimizer.steps,
  };
  await writeFileAtomic(path, encodeSafetensors(entries, { format: CHECKPOINT_FORMAT, state: JSON.stringify(state) }));
}

/** The checkpoint at `path`, or undefined when there is none yet. */
export async function readCheckpoint(path: string): Promise<FinetuneCheckpoint | undefined> {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(path));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const raw = parseSafetensors(bytes, path);
  if (raw.metadata.format !== CHECKPOINT_FORMAT || raw.metadata.state === undefined) {
    throw new InvalidArgumentError(`expected a ${CHECKPOINT_FORMAT} file for ${path} but received ${JSON.stringify(raw.metadata.format ?? 'no format')}`);
  }
  const state = JSON.parse(raw.metadata.state) as Omit<FinetuneCheckpoint, 'weights' | 'bestWeights' | 'optimizer'> & { optimizerSteps: number };
  const group = (prefix: string): Map<string, Float32Array> =>
    new Map([...raw.tensors].filter(([name]) => name.startsWith(prefix)).map(([name, tensor]) => [name.slice(prefix.length), tensor.data]));
  const buffers = new Map<string, Float32Array[]>();
  for (const [key, data] of group('optimizer/')) {
    const cut = key.lastIndexOf('/');
    const list = buffers.get(key.slice(0, cut)) ?? [];
    list[Number(key.slice(cut + 1))] = data;
    buffers.set(key.slice(0, cut), list);
  }
  const best = group('best/');
  return {
    identity: state.identity, epochsDone: state.epochsDone, finished: state.finished, stoppedEarly: state.stoppedEarly,
    history: state.history, best: state.best, rng: state.rng,
    weights: group('weights/'), bestWeights: best.size > 0 ? best : null,
    optimizer: { steps: state.optimizerSteps, buffers },
  };
}
