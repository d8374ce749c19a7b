/**
 * The MICRA-Net training checkpoint: one safetensors file written atomically (temporary sibling, then
 * rename) after every epoch, so a killed run resumes from its last finished epoch and a reader never sees
 * half a checkpoint. It holds the current tensors (`model/NAME`), the best-validation tensors
 * (`best/NAME`), Adam's moments (`adam/K/NAME`) and, in the metadata, the epoch, the optimiser step count,
 * the plateau scheduler, the loss history and the run's fingerprint (a resume refuses another run's file).
 */
import { readFile } from 'node:fs/promises';
import { encodeSafetensors, float32Entry, parseSafetensors, type StateDict } from '../../../backbone/index.js';
import { InputFileError, writeFileAtomic } from '../../../core/index.js';
import type { OptimizerState, PlateauState } from '../../../graph/index.js';

export interface MicraNetEpochRecord {
  readonly epoch: number;
  readonly trainLoss: number;
  /** Eval-mode loss on the validation part (the training loss when there is none). */
  readonly validationLoss: number;
  /** The learning rate the epoch ran with. */
  readonly lr: number;
}

export interface MicraNetCheckpoint {
  /** Epochs finished. */
  readonly epoch: number;
  readonly fingerprint: string;
  readonly stateDict: StateDict;
  readonly best: { readonly epoch: number; readonly validationLoss: number; readonly stateDict: StateDict };
  readonly optimizer: OptimizerState;
  readonly plateau: PlateauState;
  readonly history: readonly MicraNetEpochRecord[];
}

const FORMAT = 'explainseg-micranet-checkpoint/1';

export async function saveMicraNetCheckpoint(path: string, checkpoint: MicraNetCheckpoint): Promise<void> {
  const entries = new Map<string, ReturnType<typeof float32Entry>>();
  for (const [name, tensor] of checkpoint.stateDict) entries.set(`model/${name}`, float32Entry(tensor));
  for (const [name, tensor] of checkpoint.best.stateDict) entries.set(`best/${name}`, float32Entry(tensor));
  for (const [name, buffers] of checkpoint.optimizer.buffers) {
    buffers.forEach((data, k) => entries.set(`adam/${k}/${name}`, float32Entry({ shape: [data.length], data })));
  }
  const state = {
    epoch: checkpoint.epoch, fingerprint: checkpoint.fingerprint, steps: checkpoint.optimizer.steps, plateau: checkpoint.plateau,
    history: checkpoint.history, best: { epoch: checkpoint.best.epoch, validationLoss: checkpoint.best.validationLoss },
  };
  await writeFileAtomic(path, encodeSafetensors(entries, { format: FORMAT, state: JSON.stringify(state) }));
}

/** The checkpoint at `path`, or undefined when there is none yet. */
export async function loadMicraNetCheckpoint(path: string): Promise<MicraNetCheckpoint | undefined> {
  const bytes = await readFile(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw new InputFileError(path, `cannot be read: ${error.message}`, { cause: error });
  });
  if (!bytes) return undefined;
  const raw = parseSafetensors(new Uint8Array(bytes), path);
  if (raw.metadata.format !== FORMAT) throw new InputFileError(path, `expected a MICRA-Net checkpoint (${FORMAT}) but received format ${raw.metadata.format ?? 'none'}`);
  const state = JSON.parse(raw.metadata.state ?? '{}');
  const part = (prefix: string): StateDict => new Map([...raw.tensors].filter(([name]) => name.startsWith(prefix)).map(([name, t]) => [name.slice(prefix.length), t]));
  const buffers = new Map<string, Float32Array[]>();
  for (const [name, tensor] of raw.tensors) {
    const match = /^adam\/(\d+)\/(.+)$/.exec(name);
    if (!match) continue;
    const list = buffers.get(match[2]!) ?? [];
    list[Number(match[1])] = tensor.data;
    buffers.set(match[2]!, list);
  }
  return {
    epoch: state.epoch, fingerprint: state.fingerprint, stateDict: part('model/'),
    best: { ...state.best, stateDict: part('best/') },
    optimizer: { steps: state.steps, buffers }, plateau: state.plateau, history: state.history,
  };
}
