/**
 * A trained MICRA-Net as a model folder, what `fit --method micranet --out DIR` writes and `segment --model
 * DIR` reads: `model.json` (its kind, the network config, the class names, the training record and the
 * weights' SHA-256) next to `micranet.safetensors` (the best-validation tensors in PyTorch's names).
 * Both are written atomically, the weights first, so a folder with a model.json is always whole.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  MicraNetModel, checkMicraNetStateDict, encodeSafetensors, float32Entry, parseSafetensors, resolveMicraNetConfig,
  type MicraNetConfig, type RunnerSessionOptions, type StateDict,
} from '../../../backbone/index.js';
import { ensureOneOf, InputFileError, ModelMismatchError, sha256Bytes, writeFileAtomic, writeJsonAtomic } from '../../../core/index.js';
import type { MicraNetEpochRecord } from './checkpoint.js';
import { MICRANET_CLASS_RULES, type MicraNetClassRule } from './segment.js';

export const MICRANET_MODEL_FILE = 'model.json';
export const MICRANET_WEIGHTS_FILE = 'micranet.safetensors';
export const MICRANET_KIND = 'micranet';

export interface MicraNetTrainingRecord {
  readonly seed: number;
  readonly epochs: number;
  readonly bestEpoch: number;
  readonly bestValidationLoss: number;
  readonly positiveWeights: readonly number[];
  readonly history: readonly MicraNetEpochRecord[];
  /** Free-form provenance (dataset kind and folder, split, item counts). */
  readonly data?: Readonly<Record<string, unknown>>;
}

export interface MicraNetModelInfo {
  readonly kind: typeof MICRANET_KIND;
  readonly version: 1;
  readonly config: MicraNetConfig;
  /** One name per output (sigmoid) of the network. */
  readonly classNames: readonly string[];
  /** Pixels are in [0, 1], no normalisation, resized to config.inputSize square. */
  readonly input: { readonly range: '0-1'; readonly resize: 'square' };
  readonly weightsSha256: string;
  readonly training?: MicraNetTrainingRecord;
  /** Which classes `segment --model` and `compare` segment; absent: the original's 'positive'. */
  readonly segment?: { readonly classes: MicraNetClassRule };
}

export async function saveMicraNetModel(
  folder: string,
  model: { config: MicraNetConfig; classNames: readonly string[]; stateDict: StateDict; training?: MicraNetTrainingRecord; segment?: { classes: MicraNetClassRule } },
): Promise<MicraNetModelInfo> {
  checkMicraNetStateDict(model.stateDict, model.config);
  if (model.classNames.length !== model.config.classes) throw new ModelMismatchError(`expected ${model.config.classes} class names for the MICRA-Net model but received ${model.classNames.length}`);
  const bytes = encodeSafetensors(new Map([...model.stateDict].map(([name, tensor]) => [name, float32Entry(tensor)])), { kind: MICRANET_KIND });
  await writeFileAtomic(join(folder, MICRANET_WEIGHTS_FILE), bytes);
  const info: MicraNetModelInfo = {
    kind: MICRANET_KIND, version: 1, config: model.config, classNames: [...model.classNames], input: { range: '0-1', resize: 'square' },
    weightsSha256: sha256Bytes(bytes), ...(model.training ? { training: model.training } : {}), ...(model.segment ? { segment: model.segment } : {}),
  };
  await writeJsonAtomic(join(folder, MICRANET_MODEL_FILE), info);
  return info;
}

/** Read model.json and the weights, check the kind, the checksum and every tensor. */
export async function readMicraNetModel(folder: string): Promise<{ info: MicraNetModelInfo; stateDict: StateDict }> {
  const infoPath = join(folder, MICRANET_MODEL_FILE);
  const text = await readFile(infoPath, 'utf8').catch((error: unknown) => {
    throw new InputFileError(infoPath, 'missing or unreadable: not a model folder written by `fit --method micranet`', { cause: error });
  });
  const info = JSON.parse(text) as MicraNetModelInfo;
  if (info.kind !== MICRANET_KIND) throw new ModelMismatchError(`expected a model folder of kind ${MICRANET_KIND} for ${folder} but received kind ${String(info.kind)}`);
  const weightsPath = join(folder, MICRANET_WEIGHTS_FILE);
  const bytes = new Uint8Array(await readFile(weightsPath).catch((error: unknown) => {
    throw new InputFileError(weightsPath, 'missing or unreadable', { cause: error });
  }));
  const digest = sha256Bytes(bytes);
  if (digest !== info.weightsSha256) throw new InputFileError(weightsPath, `expected SHA-256 ${info.weightsSha256} (model.json) but received ${digest}`);
  const config = resolveMicraNetConfig(info.config);
  if (info.segment !== undefined) ensureOneOf(info.segment?.classes, `segment.classes in ${infoPath}`, MICRANET_CLASS_RULES);
  const stateDict = parseSafetensors(bytes, weightsPath).tensors;
  checkMicraNetStateDict(stateDict, config, weightsPath);
  return { info: { ...info, config }, stateDict };
}

/** The model folder as a runnable model; whoever loads it disposes it. */
export async function loadMicraNetModel(folder: string, options: RunnerSessionOptions = {}): Promise<{ model: MicraNetModel; info: MicraNetModelInfo }> {
  const { info, stateDict } = await readMicraNetModel(folder);
  return { model: await MicraNetModel.create(stateDict, info.config, options), info };
}

/** Run `use` with the folder's model and dispose it afterwards, whatever happens. */
export async function withMicraNetModel<T>(folder: string, options: RunnerSessionOptions, use: (model: MicraNetModel, info: MicraNetModelInfo) => Promise<T>): Promise<T> {
  const { model, info } = await loadMicraNetModel(folder, options);
  try {
    return await use(model, info);
  } finally {
    await model.dispose();
  }
}
