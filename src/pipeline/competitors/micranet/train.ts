/**
 * Training MICRA-Net from scratch as its official code does (FLClab/MICRA-Net train.py): Adam (lr 1e-3),
 * BCE with logits and per-class positive weights, ReduceLROnPlateau on the validation loss (factor 0.1,
 * patience 10, threshold 0.01, min lr 1e-5), the best-validation weights kept, batch 64, the four
 * augmentations with p = 0.5. A plain loop over MicraNetTrainer: every random draw comes from generators
 * seeded by (seed, epoch), and a checkpoint is written atomically after every epoch, so a killed run resumes
 * from its last finished epoch and ends exactly as an uninterrupted one would.
 */
import { initMicraNetStateDict, MicraNetTrainer, resolveMicraNetConfig, type MicraNetConfig, type StateDict } from '../../../backbone/index.js';
import { InvalidArgumentError, createProgressTracker, createRng, ensure, ensureInteger, ensureNumber, sha256Bytes, type ProgressCallback, type Rng } from '../../../core/index.js';
import { AdamW, ReduceLrOnPlateau, type PlateauOptions } from '../../../graph/index.js';
import { augmentMicraNetImage } from './augment.js';
import { loadMicraNetCheckpoint, saveMicraNetCheckpoint, type MicraNetEpochRecord } from './checkpoint.js';

/** Images [count, C, S, S] in [0, 1] with multi-hot targets [count, classes]. */
export interface MicraNetSamples {
  readonly pixels: Float32Array;
  readonly targets: Float32Array;
  readonly count: number;
}

export interface MicraNetTrainingOptions {
  readonly config: Partial<MicraNetConfig> & { classes: number };
  /** Default 250 (the original); fewer are practical on a CPU (docs/micranet.md). */
  readonly epochs?: number;
  /** Default 64. */
  readonly batchSize?: number;
  /** Adam's learning rate; default 1e-3. */
  readonly lr?: number;
  /** pos_weight per class; default negatives / positives of each class in the training targets. */
  readonly positiveWeights?: readonly number[];
  /** Default MICRA-Net's: factor 0.1, patience 10, threshold 0.01, min lr 1e-5. */
  readonly plateau?: Omit<PlateauOptions, 'lr'>;
  /** Probability of each augmentation; default 0.5, 0 switches augmentation off. */
  readonly augmentProbability?: number;
  readonly seed?: number;
  /** Where the checkpoint lives; an existing one of the same run is resumed. Default none (no resume). */
  readonly checkpointPath?: string;
  /** Called with the new best weights whenever the validation loss improves (to write the model folder). */
  readonly onBest?: (best: { epoch: number; validationLoss: number; stateDict: StateDict }) => Promise<void> | void;
  readonly onProgress?: ProgressCallback;
  readonly threads?: number;
}

export interface MicraNetTrainingResult {
  readonly config: MicraNetConfig;
  /** The best-validation tensors. */
  readonly stateDict: StateDict;
  readonly bestEpoch: number;
  readonly bestValidationLoss: number;
  readonly positiveWeights: number[];
  readonly history: readonly MicraNetEpochRecord[];
  /** Epochs that a checkpoint had already finished (0 for a fresh run). */
  readonly resumedEpochs: number;
}

export const MICRANET_PLATEAU: Readonly<Omit<PlateauOptions, 'lr'>> = Object.freeze({ factor: 0.1, patience: 10, threshold: 0.01, minLr: 1e-5 });

/** pos_weight = negatives / positives per class (1 for a class with no positive or no negative). */
export function balancedPositiveWeights(targets: Float32Array, classes: number): number[] {
  const positives = new Array<number>(classes).fill(0);
  for (let i = 0; i < targets.length; i++) positives[i % classes] += targets[i]! > 0.5 ? 1 : 0;
  const count = targets.length / classes;
  return positives.map((p) => (p === 0 || p === count ? 1 : (count - p) / p));
}

/**
 * @example const { stateDict } = await trainMicraNet(train, validation, { config: { classes: 2 }, epochs: 20, checkpointPath })
 */
export async function trainMicraNet(train: MicraNetSamples, validation: MicraNetSamples | undefined, options: MicraNetTrainingOptions): Promise<MicraNetTrainingResult> {
  const config = resolveMicraNetConfig(options.config);
  const settings = resolveSettings(train, validation, config, options);
  const trainer = MicraNetTrainer.create(config, initMicraNetStateDict(config, createRng(settings.seed)), { positiveWeights: settings.positiveWeights, threads: options.threads ?? 2 });
  try {
    const optimizer = new AdamW([{ params: trainer.parameters, lr: settings.lr }], { weightDecay: 0 });
    const plateau = new ReduceLrOnPlateau({ ...MICRANET_PLATEAU, ...options.plateau, lr: settings.lr });
    const fingerprint = runFingerprint(config, settings, train, validation);
    const resumed = options.checkpointPath ? await loadMicraNetCheckpoint(options.checkpointPath) : undefined;
    if (resumed && resumed.fingerprint !== fingerprint) {
      throw new InvalidArgumentError(`expected a checkpoint of this run (fingerprint ${fingerprint.slice(0, 12)}) for ${options.checkpointPath} but received one of another run (${resumed.fingerprint.slice(0, 12)}); remove it or choose another folder`);
    }
    let best = { epoch: -1, validationLoss: Infinity, stateDict: trainer.stateDict() };
    const history: MicraNetEpochRecord[] = [];
    if (resumed) {
      trainer.loadStateDict(resumed.stateDict);
      optimizer.loadState(resumed.optimizer);
      plateau.loadState(resumed.plateau);
      history.push(...resumed.history);
      best = { ...resumed.best, stateDict: resumed.best.stateDict };
    }
    const progress = createProgressTracker('micranet-train', settings.epochs, options.onProgress);
    progress.set(history.length, resumed ? `resumed after epoch ${history.length}` : undefined);
    for (let epoch = history.length; epoch < settings.epochs; epoch++) {
      const lr = plateau.learningRate;
      optimizer.setLearningRateFactor(lr / settings.lr);
      const trainLoss = await trainEpoch(trainer, optimizer, train, settings, epochRng(settings.seed, epoch));
      const validationLoss = validation ? await validate(trainer, validation, settings.batchSize) : trainLoss;
      history.push({ epoch, trainLoss, validationLoss, lr });
      plateau.step(validationLoss);
      if (validationLoss < best.validationLoss) {
        best = { epoch, validationLoss, stateDict: trainer.stateDict() };
        await options.onBest?.(best);
      }
      if (options.checkpointPath) {
        await saveMicraNetCheckpoint(options.checkpointPath, {
          epoch: epoch + 1, fingerprint, stateDict: trainer.stateDict(), best, optimizer: optimizer.saveState(), plateau: plateau.saveState(), history,
        });
      }
      progress.advance(1, `epoch ${epoch + 1}: train ${trainLoss.toFixed(4)}, validation ${validationLoss.toFixed(4)}, lr ${lr.toExponential(1)}`);
    }
    return {
      config, stateDict: best.stateDict, bestEpoch: best.epoch, bestValidationLoss: best.validationLoss,
      positiveWeights: settings.positiveWeights, history, resumedEpochs: resumed?.epoch ?? 0,
    };
  } finally {
    await trainer.dispose();
  }
}

interface Settings {
  readonly epochs: number;
  readonly batchSize: number;
  readonly lr: number;
  readonly seed: number;
  readonly augmentProbability: number;
  readonly positiveWeights: number[];
  readonly plateau: Omit<PlateauOptions, 'lr'>;
}

function resolveSettings(train: MicraNetSamples, validation: MicraNetSamples | undefined, config: MicraNetConfig, options: MicraNetTrainingOptions): Settings {
  checkSamples(train, config, 'the training samples');
  if (validation) checkSamples(validation, config, 'the validation samples');
  const positiveWeights = [...(options.positiveWeights ?? balancedPositiveWeights(train.targets, config.classes))];
  ensure(positiveWeights.length === config.classes, `${config.classes} positive weights`, 'the MICRA-Net loss', positiveWeights);
  return {
    epochs: ensureInteger(options.epochs ?? 250, 'the MICRA-Net epochs', { min: 1 }),
    batchSize: ensureInteger(options.batchSize ?? 64, 'the MICRA-Net batch size', { min: 1 }),
    lr: ensureNumber(options.lr ?? 1e-3, 'the MICRA-Net learning rate', { min: 0 }),
    seed: ensureInteger(options.seed ?? 0, 'the MICRA-Net seed', { min: 0, max: 2 ** 32 - 1 }),
    augmentProbability: ensureNumber(options.augmentProbability ?? 0.5, 'the augmentation probability', { min: 0, max: 1 }),
    positiveWeights,
    plateau: { ...MICRANET_PLATEAU, ...options.plateau },
  };
}

function checkSamples(samples: MicraNetSamples, config: MicraNetConfig, what: string): void {
  ensureInteger(samples.count, `the number of ${what}`, { min: 1 });
  const imageSize = config.inputChannels * config.inputSize * config.inputSize;
  ensure(samples.pixels.length === samples.count * imageSize, `${samples.count} x ${imageSize} values`, `the pixels of ${what}`, samples.pixels);
  ensure(samples.targets.length === samples.count * config.classes, `${samples.count} x ${config.classes} values`, `the targets of ${what}`, samples.targets);
}

/** One generator per epoch from (seed, epoch), so a resumed run draws what the uninterrupted one would. */
function epochRng(seed: number, epoch: number): Rng {
  return createRng((Math.imul(epoch + 1, 0x9e3779b1) ^ seed) >>> 0);
}

/** Shuffled batches; the last partial batch is dropped (PyTorch's drop_last, as the original) unless it is the only one. */
async function trainEpoch(trainer: MicraNetTrainer, optimizer: AdamW, train: MicraNetSamples, settings: Settings, rng: Rng): Promise<number> {
  const order = rng.shuffle(Array.from({ length: train.count }, (_, i) => i));
  const batches = Math.max(1, Math.floor(train.count / settings.batchSize));
  let lossSum = 0;
  for (let b = 0; b < batches; b++) {
    const indices = order.slice(b * settings.batchSize, (b + 1) * settings.batchSize);
    const batch = gatherBatch(train, indices, trainer.config);
    for (let k = 0; k < indices.length; k++) {
      augmentMicraNetImage(batch.pixels.subarray(k * batch.imageSize, (k + 1) * batch.imageSize), imageShape(trainer.config), rng, { probability: settings.augmentProbability });
    }
    const { loss, gradients } = await trainer.step(batch.pixels, batch.targets, indices.length, rng);
    optimizer.step(gradients);
    lossSum += loss;
  }
  return lossSum / batches;
}

/** Eval-mode loss over every validation sample, averaged per sample. */
async function validate(trainer: MicraNetTrainer, validation: MicraNetSamples, batchSize: number): Promise<number> {
  let lossSum = 0;
  for (let start = 0; start < validation.count; start += batchSize) {
    const indices = Array.from({ length: Math.min(batchSize, validation.count - start) }, (_, k) => start + k);
    const batch = gatherBatch(validation, indices, trainer.config);
    lossSum += (await trainer.evaluate(batch.pixels, batch.targets, indices.length)).loss * indices.length;
  }
  return lossSum / validation.count;
}

function imageShape(config: MicraNetConfig): { channels: number; rows: number; cols: number } {
  return { channels: config.inputChannels, rows: config.inputSize, cols: config.inputSize };
}

function gatherBatch(samples: MicraNetSamples, indices: readonly number[], config: MicraNetConfig): { pixels: Float32Array; targets: Float32Array; imageSize: number } {
  const imageSize = config.inputChannels * config.inputSize * config.inputSize;
  const pixels = new Float32Array(indices.length * imageSize);
  const targets = new Float32Array(indices.length * config.classes);
  indices.forEach((index, k) => {
    pixels.set(samples.pixels.subarray(index * imageSize, (index + 1) * imageSize), k * imageSize);
    targets.set(samples.targets.subarray(index * config.classes, (index + 1) * config.classes), k * config.classes);
  });
  return { pixels, targets, imageSize };
}

/** What makes two runs the same: the config, the settings but the epoch count (a run may be extended), the data (hashed). */
function runFingerprint(config: MicraNetConfig, settings: Settings, train: MicraNetSamples, validation: MicraNetSamples | undefined): string {
  const { epochs: _epochs, ...kept } = settings;
  const data = [train, ...(validation ? [validation] : [])].map((s) => `${sha256Bytes(new Uint8Array(s.pixels.buffer, s.pixels.byteOffset, s.pixels.byteLength))}:${sha256Bytes(new Uint8Array(s.targets.buffer, s.targets.byteOffset, s.targets.byteLength))}`);
  return sha256Bytes(JSON.stringify({ config, settings: kept, data }));
}
