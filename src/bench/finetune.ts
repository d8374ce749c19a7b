/**
 * Fine-tuning benchmark (issue 11): one epoch of fine-tuning the last N blocks, the final norm and the head on
 * Kvasir-SEG patches (the training benchmark's data, 2,000 by default), timed in ExplainSeg and, with
 * `comparePytorch`, in PyTorch on the CPU in the same run (scripts/finetune-pytorch.py under Debian's
 * python3-torch) on the same weights, patches, batches, blocks, threads, normalisation and initial head.
 *
 * The timed epoch is the same work on both sides: per batch, normalise the 8-bit patches, the frozen prefix
 * without gradients, forward and backward through the trainable part, clipping and the SGD step; one warm-up
 * step on the first two patches first (sessions, allocators) is not timed. Training also augments every image each epoch: that cost
 * (JavaScript only) is reported on its own as augmentSecondsPerEpoch.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createProgressTracker, createRng, ensureInteger, RuntimeError, type ProgressCallback } from '../core/index.js';
import { loadWeights, vitConfigFromStateDict } from '../backbone/index.js';
import { VitFinetuner } from '../backbone/vit-finetuner.js';
import { IMAGENET_NORMALISATION, loadKvasirSeg } from '../data/index.js';
import {
  augmentForFinetuning, batchesOf, createFinetuneOptimizer, FINETUNE_DEFAULTS, ImageBank, ItemImageLoader, resolveFinetuneRecipe, subsampleDataset,
} from '../pipeline/index.js';

export interface FinetuneBenchOptions {
  readonly weightsPath: string;
  /** The Kvasir-SEG folder (images/ and masks/). */
  readonly dataRoot: string;
  /** Patches in the epoch, a seeded subset of the balanced patch set (default 2000). */
  readonly patches?: number;
  /** Images whose masks are cut into patches (default: all). */
  readonly imageLimit?: number;
  /** Fine-tuned blocks (default 2). */
  readonly blocks?: number;
  /** Images per step (default the recipe's). */
  readonly batch?: number;
  /** onnxruntime intra-op threads and torch.set_num_threads (default 2). */
  readonly threads?: number;
  readonly seed?: number;
  readonly comparePytorch?: boolean;
  /**
   * Batches PyTorch times, scaled to the epoch (default 2): Debian's torch has a generic BLAS, so a whole epoch
   * there takes hours (see scripts/finetune-pytorch.py); 0 times them all.
   */
  readonly pytorchBatches?: number;
  /** The Python with torch (default /usr/bin/python3, Debian's python3-torch). */
  readonly python?: string;
  readonly onProgress?: ProgressCallback;
}

export interface PytorchEpoch {
  /** Measured over timedBatches of batchesPerEpoch, scaled to the epoch when fewer. */
  readonly secondsPerEpoch: number;
  readonly timedBatches: number;
  readonly batchesPerEpoch: number;
  /** The BLAS the torch build reports ('generic' in Debian's) and a plain fc1-sized matmul's speed. */
  readonly blas: string;
  readonly matmulGflops: number;
  readonly firstBatchLoss: number;
  readonly meanLoss: number;
  readonly peakRssMB: number;
  readonly torch: string;
}

export interface FinetuneBenchResult {
  readonly patches: number;
  readonly blocks: number;
  readonly batch: number;
  readonly threads: number;
  readonly inputSize: number;
  readonly datasetSeconds: number;
  /** Decoding, cropping and resizing every patch once (kept in memory as 8-bit samples). */
  readonly imageSeconds: number;
  readonly finetuneSecondsPerEpoch: number;
  readonly msPerPatch: number;
  /** What training adds per epoch: random resized crop, flip, colour jitter and rotation of every patch. */
  readonly augmentSecondsPerEpoch: number;
  /** Loss of the first batch before any update (the same on both sides when the models agree). */
  readonly firstBatchLoss: number;
  readonly meanLoss: number;
  readonly peakRssMB: number;
  readonly pytorch?: PytorchEpoch;
  readonly pytorchSecondsPerEpoch?: number;
  /** finetuneSecondsPerEpoch / pytorchSecondsPerEpoch (target <= 1). */
  readonly ratioToPytorch?: number;
}

const SCRIPT = fileURLToPath(new URL('../../scripts/finetune-pytorch.py', import.meta.url));

/** A C-order .npy file (format 1.0) of one array. */
export function npyBytes(descr: '|u1' | '<i8' | '<f4', shape: readonly number[], data: Uint8Array): Uint8Array {
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  header += ' '.repeat(63 - ((10 + header.length) % 64)) + '\n';
  const out = new Uint8Array(10 + header.length + data.length);
  out.set([0x93, ...new TextEncoder().encode('NUMPY'), 1, 0, header.length & 0xff, header.length >> 8], 0);
  out.set(new TextEncoder().encode(header), 10);
  out.set(data, 10 + header.length);
  return out;
}

async function timeSeconds<T>(work: () => Promise<T> | T): Promise<{ value: T; seconds: number }> {
  const started = performance.now();
  const value = await work();
  return { value, seconds: (performance.now() - started) / 1000 };
}

/** PyTorch's epoch on the same patches, head and settings; the script prints one JSON object. */
interface PytorchInputs {
  readonly weightsPath: string;
  readonly head: { readonly weight: Float32Array; readonly bias: Float32Array };
  readonly blocks: number;
  readonly batch: number;
  readonly threads: number;
  readonly python: string;
  readonly maxBatches: number;
}

async function pytorchEpoch(bank: ImageBank, inputs: PytorchInputs): Promise<PytorchEpoch> {
  const dir = await mkdtemp(join(tmpdir(), 'explainseg-bench-finetune-'));
  try {
    const classes = inputs.head.bias.length;
    const dim = inputs.head.weight.length / classes;
    const head = Float32Array.from({ length: classes * (dim + 1) }, (_, i) => {
      const [row, col] = [Math.floor(i / (dim + 1)), i % (dim + 1)];
      return col < dim ? inputs.head.weight[row * dim + col]! : inputs.head.bias[row]!;
    });
    await writeFile(join(dir, 'patches.npy'), npyBytes('|u1', [bank.size, 3, bank.side, bank.side], bank.samplesBytes()));
    await writeFile(join(dir, 'labels.npy'), npyBytes('<i8', [bank.size], new Uint8Array(BigInt64Array.from(bank.labels, BigInt).buffer)));
    await writeFile(join(dir, 'head.npy'), npyBytes('<f4', [classes, dim + 1], new Uint8Array(head.buffer)));
    const { mean, std } = IMAGENET_NORMALISATION;
    const args = [SCRIPT, '--weights', inputs.weightsPath, '--patches', join(dir, 'patches.npy'), '--labels', join(dir, 'labels.npy'), '--head', join(dir, 'head.npy'),
      '--blocks', String(inputs.blocks), '--batch', String(inputs.batch), '--threads', String(inputs.threads), '--mean', mean.join(','), '--std', std.join(','),
      '--lr', String(FINETUNE_DEFAULTS.lr), '--block-lr-factor', String(FINETUNE_DEFAULTS.blockLrFactor), '--max-gradient-norm', String(FINETUNE_DEFAULTS.maxGradientNorm), '--max-batches', String(inputs.maxBatches)];
    let stdout: string;
    try {
      ({ stdout } = await promisify(execFile)(inputs.python, args, { maxBuffer: 1 << 20 }));
    } catch (error) {
      throw new RuntimeError(`the PyTorch side failed (${inputs.python} ${SCRIPT}): ${(error as { stderr?: string }).stderr?.trim().split('\n').at(-1) ?? String(error)}`, { cause: error });
    }
    return JSON.parse(stdout.trim().split('\n').at(-1)!) as PytorchEpoch;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export async function benchFinetune(options: FinetuneBenchOptions): Promise<FinetuneBenchResult> {
  const patches = ensureInteger(options.patches ?? 2000, 'the benchmark patches', { min: 10 });
  const threads = options.threads ?? 2;
  const seed = options.seed ?? 0;
  const dataset = await timeSeconds(async () => subsampleDataset(await loadKvasirSeg(options.dataRoot, { seed, ...(options.imageLimit ? { limit: options.imageLimit } : {}) }), patches, seed));
  const loaded = await loadWeights(options.weightsPath);
  const config = vitConfigFromStateDict(loaded.stateDict, { file: options.weightsPath });
  const recipe = resolveFinetuneRecipe({ blocks: options.blocks ?? 2, ...(options.batch ? { batchSize: options.batch } : {}) }, config.depth);
  const items = dataset.value.items;
  const images = await timeSeconds(() => ImageBank.load(items, new ItemImageLoader(config.imageSize), {
    side: config.imageSize, classes: 2, progress: createProgressTracker('images', items.length, options.onProgress),
  }));
  const bank = images.value;
  const rng = createRng(seed);
  const initial = { weight: Float32Array.from({ length: 2 * config.dim }, () => (2 * rng.next() - 1) / Math.sqrt(config.dim)), bias: new Float32Array(2) };
  const trainer = await VitFinetuner.create(loaded.stateDict, config, { blocks: recipe.blocks, head: initial, threads });
  const batches = batchesOf(Array.from({ length: bank.size }, (_, i) => i), recipe.batchSize);
  let epoch: { value: number[]; seconds: number };
  let firstBatchLoss: number;
  try {
    const optimizer = createFinetuneOptimizer(trainer.parameters, recipe);
    const batchAt = (k: number) => bank.batch(batches[k]!, IMAGENET_NORMALISATION);
    firstBatchLoss = (await trainer.evaluate(batchAt(0))).loss;
    // Warm-up (sessions, allocators) on the first two patches, untimed; PyTorch does the same step.
    await trainer.step(bank.batch(batches[0]!.slice(0, 2), IMAGENET_NORMALISATION), { optimizer, maxGradientNorm: recipe.maxGradientNorm });
    const progress = createProgressTracker('fine-tune epoch', bank.size, options.onProgress);
    epoch = await timeSeconds(async () => {
      const losses: number[] = [];
      for (let k = 0; k < batches.length; k++) {
        losses.push((await trainer.step(batchAt(k), { optimizer, maxGradientNorm: recipe.maxGradientNorm })).loss);
        progress.advance(batches[k]!.length);
      }
      return losses;
    });
  } finally {
    await trainer.dispose();
  }
  const augment = await timeSeconds(() => {
    for (let i = 0; i < bank.size; i++) augmentForFinetuning(bank.image(i), rng, recipe);
  });
  const result: FinetuneBenchResult = {
    patches: bank.size, blocks: recipe.blocks, batch: recipe.batchSize, threads, inputSize: config.imageSize,
    datasetSeconds: dataset.seconds, imageSeconds: images.seconds,
    finetuneSecondsPerEpoch: epoch.seconds, msPerPatch: (1000 * epoch.seconds) / bank.size, augmentSecondsPerEpoch: augment.seconds,
    firstBatchLoss, meanLoss: epoch.value.reduce((a, b) => a + b, 0) / epoch.value.length,
    peakRssMB: process.resourceUsage().maxRSS / 1024,
  };
  if (!options.comparePytorch) return result;
  const pytorch = await pytorchEpoch(bank, {
    weightsPath: options.weightsPath, head: initial, blocks: recipe.blocks, batch: recipe.batchSize, threads,
    python: options.python ?? '/usr/bin/python3', maxBatches: ensureInteger(options.pytorchBatches ?? 2, 'the PyTorch batches', { min: 0 }),
  });
  return { ...result, pytorch, pytorchSecondsPerEpoch: pytorch.secondsPerEpoch, ratioToPytorch: epoch.seconds / pytorch.secondsPerEpoch };
}
