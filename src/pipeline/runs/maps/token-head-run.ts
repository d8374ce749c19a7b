/**
 * Training the multiple-instance token head (issue 14, section 2) on the items of an existing head's split:
 * bags are the same items the CLS head used (whole images with their image label; for Kvasir-SEG and MoNuSeg
 * the mask-derived patches, the paper's protocol), the parts are the ones split.json records, so the test
 * part stays unseen. Writes token-head.json, report.json and run.json.
 */
import { dirname, join, resolve } from 'node:path';
import { createProgressTracker, createRng, DatasetError, writeJsonAtomic, writeRunManifest, type ImageTensor, type ProgressCallback } from '../../../core/index.js';
import { cropImage, imageToBatch, loadDataset, readImage, resizeImage, type DatasetItem, type DatasetKind, type LoadDatasetOptions } from '../../../data/index.js';
import { saveTokenHead, trainTokenHead, type TokenBags, type TrainTokenHeadResult } from '../../../head/index.js';
import { readRecordedSplit } from '../../evaluation/index.js';
import { withClassifier, type Classifier } from '../../model/index.js';

export interface TokenHeadRunConfig {
  readonly dataset: DatasetKind;
  readonly dataRoot: string;
  readonly weightsPath: string;
  /** head.json of `explainseg train`: its backbone, normalisation, classes and split.json are reused. */
  readonly headPath: string;
  readonly out: string;
  readonly topK: number;
  readonly epochs: number;
  /** At most this many training bags (seeded subset); a quarter as many validation bags. */
  readonly maxItems: number;
  readonly seed: number;
  readonly datasetOptions?: LoadDatasetOptions;
}

export interface TokenHeadRun {
  readonly bags: { readonly train: number; readonly val: number };
  readonly training: TrainTokenHeadResult;
}

function pick(items: readonly DatasetItem[], count: number, seed: number): DatasetItem[] {
  const order = createRng(seed).shuffle(Array.from(items, (_, i) => i)).slice(0, count).sort((a, b) => a - b);
  return order.map((i) => items[i]!);
}

/** Patch tokens of every item, [items, tokens, dim]; patches of one image are consecutive, so it is decoded once. */
async function tokenBags(items: readonly DatasetItem[], classifier: Classifier, progress: ReturnType<typeof createProgressTracker>): Promise<TokenBags> {
  const { model, head } = classifier;
  const tokensPerBag = (model.rows / model.config.patchSize) * (model.cols / model.config.patchSize);
  const perBag = tokensPerBag * model.config.dim;
  const tokens = new Float32Array(items.length * perBag);
  let last: { path: string; image: Promise<ImageTensor> } | undefined;
  const batchSize = 8;
  for (let start = 0; start < items.length; start += batchSize) {
    const chunk = items.slice(start, start + batchSize);
    const images: ImageTensor[] = [];
    for (const item of chunk) {
      if (last?.path !== item.imagePath) last = { path: item.imagePath, image: readImage(item.imagePath) };
      const source = await last.image;
      images.push(await resizeImage(item.crop ? cropImage(source, item.crop) : source, model.rows, model.cols));
    }
    const out = await model.forward(imageToBatch(images, head.normalisation), chunk.length, ['patchTokens']);
    tokens.set(out.patchTokens!, start * perBag);
    progress.advance(chunk.length);
  }
  return { tokens, labels: Int32Array.from(items, (item) => item.label), tokensPerBag };
}

/** The dataset's items on each recorded part of the head's split (by source image). */
async function itemsByPart(config: TokenHeadRunConfig): Promise<{ train: DatasetItem[]; val: DatasetItem[] }> {
  const splitPath = join(dirname(config.headPath), 'split.json');
  const recorded = await readRecordedSplit(splitPath);
  if (!recorded) throw new DatasetError(`${splitPath}: no split beside the head; the token head must keep the head's parts`);
  const dataset = await loadDataset(config.dataset, config.dataRoot, { seed: config.seed, ...config.datasetOptions });
  const train = new Set(recorded.train.map((path) => resolve(path)));
  const val = new Set(recorded.val.map((path) => resolve(path)));
  const inPart = (part: Set<string>) => dataset.items.filter((item) => part.has(resolve(item.imagePath)));
  return { train: pick(inPart(train), config.maxItems, config.seed), val: pick(inPart(val), Math.max(1, Math.round(config.maxItems / 4)), config.seed + 1) };
}

/** Extracts the bags, trains the token head and writes the run folder. */
export async function trainTokenHeadRun(config: TokenHeadRunConfig, onProgress?: ProgressCallback): Promise<TokenHeadRun> {
  const startedAt = new Date();
  const parts = await itemsByPart(config);
  if (parts.train.length === 0) throw new DatasetError(`${config.dataRoot}: no item of the head's training part found`);
  return withClassifier({ weightsPath: config.weightsPath, headPath: config.headPath }, async (classifier) => {
    const progress = createProgressTracker('tokens', parts.train.length + parts.val.length, onProgress);
    const train = await tokenBags(parts.train, classifier, progress);
    const validation = parts.val.length > 0 ? await tokenBags(parts.val, classifier, progress) : undefined;
    const training = trainTokenHead(train, {
      classes: classifier.head.head.classes, topK: config.topK, epochs: config.epochs, seed: config.seed,
      ...(validation ? { validation } : {}), ...(onProgress ? { onProgress } : {}),
    });
    await saveTokenHead(join(config.out, 'token-head.json'), {
      head: training.head, inputSize: classifier.model.rows, normalisation: classifier.head.normalisation, backboneSha256: classifier.backboneSha256,
      training: { seed: config.seed, topK: config.topK, epochs: config.epochs, bags: { train: parts.train.length, val: parts.val.length } },
    });
    const bags = { train: parts.train.length, val: parts.val.length };
    await writeJsonAtomic(join(config.out, 'report.json'), { bags, bestEpoch: training.bestEpoch, history: training.history });
    await writeRunManifest(config.out, {
      command: 'train-token-head', config, seed: config.seed, startedAt,
      weightFiles: { backbone: config.weightsPath, head: config.headPath }, timingsMs: { total: Date.now() - startedAt.getTime() },
    });
    return { bags, training };
  });
}
