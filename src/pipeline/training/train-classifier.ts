import {
  createProgressTracker, createRng, createStopwatch, ensure, ensureInteger, type ImageTensor, type ProgressCallback, type ProgressTracker, type Rng,
} from '../../core/index.js';
import {
  augmentImage, imageToBatch, splitDataset,
  type AugmentOptions, type ChannelNormalisation, type Dataset, type DatasetItem, type DatasetSplit, type SplitOptions,
} from '../../data/index.js';
import {
  classificationReport, predictHead, softmax, trainLinearHead,
  type ClassificationReport, type FeatureKind, type HeadModel, type TrainHeadOptions, type TrainHeadResult,
} from '../../head/index.js';
import type { FeatureExtractor } from '../model/feature-extractor.js';
import { computeNormalisation, ItemImageLoader, labelsOf } from './item-images.js';

export interface TrainClassifierOptions {
  extractFeatures: FeatureExtractor;
  featureDim: number;
  /** Backbone input side S (images and patches are resized to S x S). */
  inputSize: number;
  /** Identity of the backbone behind `extractFeatures`, stored in the head file. */
  backbone: { sha256: string; config: unknown };
  featureKind?: FeatureKind;
  /** Fractions and seed for a fresh split, or a ready split. */
  split?: SplitOptions | DatasetSplit;
  /** 0 (default): one un-augmented feature set. k > 0: k augmented copies of the training set, extracted once each. */
  augmentEpochs?: number;
  augment?: AugmentOptions;
  /** Images per call of `extractFeatures` (default 16). */
  batchSize?: number;
  /** Head settings; class weights default to 'balanced' here because medical sets are rarely balanced. */
  head?: Omit<TrainHeadOptions, 'classes' | 'validation' | 'seed' | 'onProgress'>;
  seed?: number;
  onProgress?: ProgressCallback;
}

export interface TrainClassifierResult {
  readonly head: HeadModel;
  /** On the validation part; null when it is empty. */
  readonly report: ClassificationReport | null;
  readonly testReport: ClassificationReport | null;
  readonly split: DatasetSplit;
  readonly training: TrainHeadResult;
  readonly timings: Record<string, number>;
}

export function isReadySplit(split: TrainClassifierOptions['split']): split is DatasetSplit {
  return split !== undefined && 'train' in split && Array.isArray((split as DatasetSplit).train);
}

interface ExtractionContext {
  loader: ItemImageLoader;
  normalisation: ChannelNormalisation;
  options: TrainClassifierOptions;
  progress: ProgressTracker;
}

/** Features [items, featureDim] in batches; with `rng`, each image is augmented first. */
async function extractItems(items: readonly DatasetItem[], context: ExtractionContext, rng?: Rng): Promise<Float32Array> {
  const { featureDim, extractFeatures, augment } = context.options;
  const batchSize = context.options.batchSize ?? 16;
  const features = new Float32Array(items.length * featureDim);
  for (let start = 0; start < items.length; start += batchSize) {
    const chunk = items.slice(start, start + batchSize);
    const images: ImageTensor[] = [];
    for (const item of chunk) {
      const image = await context.loader.load(item);
      images.push(rng ? augmentImage(image, rng, augment) : image);
    }
    const out = await extractFeatures(imageToBatch(images, context.normalisation), chunk.length);
    ensure(out.length === chunk.length * featureDim, `${chunk.length * featureDim} values ([n, featureDim])`, 'the extracted features', out.length);
    features.set(out, start * featureDim);
    context.progress.advance(chunk.length);
  }
  return features;
}

function concatenate(parts: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/**
 * Trains the classification head of the method (paper Sec. 3.2, Alg. 1 step 1): split, per-channel
 * normalisation from the training part only, frozen-backbone features (optionally several augmented
 * copies), a linear head by SGD with early stopping on validation, and reports on validation and test.
 */
export async function trainClassifier(dataset: Dataset, options: TrainClassifierOptions): Promise<TrainClassifierResult> {
  ensureInteger(options.featureDim, 'the feature dimension', { min: 1 });
  ensureInteger(options.inputSize, 'the input size', { min: 1 });
  const augmentEpochs = ensureInteger(options.augmentEpochs ?? 0, 'the augmentation epochs', { min: 0 });
  const seed = options.seed ?? 0;
  const clock = createStopwatch();
  const timed = <T>(name: string, work: () => Promise<T> | T): Promise<T> => clock.time(name, async () => work());
  const split = await timed('split', () => (isReadySplit(options.split) ? options.split : splitDataset(dataset.items, { seed, ...options.split })));
  ensure(split.train.length > 0, 'at least one training item', 'the split', 0);
  const loader = new ItemImageLoader(options.inputSize);
  const normalisation = await timed('normalisation', () => computeNormalisation(split.train, loader, options.onProgress));
  const copies = Math.max(1, augmentEpochs);
  const total = split.train.length * copies + split.val.length + split.test.length;
  const context: ExtractionContext = { loader, normalisation, options, progress: createProgressTracker('features', total, options.onProgress) };
  const { trainFeatures, valFeatures, testFeatures } = await timed('features', async () => {
    const augmentRng = createRng(seed).fork();
    const trainParts: Float32Array[] = [];
    for (let copy = 0; copy < copies; copy++) trainParts.push(await extractItems(split.train, context, augmentEpochs > 0 ? augmentRng : undefined));
    return { trainFeatures: concatenate(trainParts), valFeatures: await extractItems(split.val, context), testFeatures: await extractItems(split.test, context) };
  });
  const valLabels = labelsOf(split.val);
  const training = await timed('train', () => trainLinearHead(trainFeatures, labelsOf(split.train, copies), {
    classWeights: 'balanced', ...options.head, classes: dataset.classes, seed,
    ...(split.val.length > 0 ? { validation: { features: valFeatures, labels: valLabels } } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  }));
  const evaluate = (features: Float32Array, labels: Int32Array): ClassificationReport | null =>
    (labels.length === 0 ? null : classificationReport(softmax(predictHead(training.head, features), dataset.classes.length), labels, dataset.classes.length));
  const { report, testReport } = await timed('evaluate', () => ({ report: evaluate(valFeatures, valLabels), testReport: evaluate(testFeatures, labelsOf(split.test)) }));
  const head: HeadModel = {
    head: training.head, featureKind: options.featureKind ?? 'cls', inputSize: options.inputSize, normalisation, backbone: options.backbone,
    training: { seed, config: { dataset: dataset.name, augmentEpochs, augment: options.augment ?? null, head: options.head ?? {}, batchSize: options.batchSize ?? 16 } },
  };
  const { total: _total, ...timings } = clock.timings;
  return { head, report, testReport, split, training, timings };
}
