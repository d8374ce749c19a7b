/**
 * A multiple-instance token head: a linear classifier on the ViT's last-layer patch tokens, trained from
 * image-level (bag) labels only by pooling each class's token logits over the image with a top-k mean
 * (k = 1 is max pooling). Its token logits are a localisation map by construction (cf. ViT-PCM, Rossetti et
 * al., ECCV 2022; top-k MIL pooling, Zhou et al. 2018). Training is Adam on the class-balanced
 * cross-entropy of the pooled scores, with early stopping on validation loss.
 */
import { createProgressTracker, createRng, ensure, ensureInteger, ensureNumber, type ProgressCallback } from '../core/index.js';
import { createLinearHead, predictHead, type LinearHead } from './linear-head.js';
import { crossEntropy, resolveClassWeights } from './train.js';

/** Bags of tokens: `tokens` is [bags, tokensPerBag, dim], row-major. */
export interface TokenBags {
  readonly tokens: Float32Array;
  readonly labels: Int32Array;
  readonly tokensPerBag: number;
}

export interface TrainTokenHeadOptions {
  readonly classes: readonly string[];
  /** Tokens averaged per class when pooling (default 8; 1 = max pooling). */
  readonly topK?: number;
  readonly epochs?: number;
  /** Adam step size (default 0.01). */
  readonly lr?: number;
  /** L2 penalty on the weights (default 1e-4). */
  readonly weightDecay?: number;
  readonly batchSize?: number;
  readonly validation?: TokenBags;
  /** Epochs without a better validation loss before stopping (default 8). */
  readonly patience?: number;
  readonly seed?: number;
  readonly onProgress?: ProgressCallback;
}

export interface TokenHead {
  readonly linear: LinearHead;
  readonly topK: number;
}

export interface TrainTokenHeadResult {
  readonly head: TokenHead;
  readonly history: { epoch: number; trainLoss: number; valLoss?: number }[];
  readonly bestEpoch: number;
}

/** Pooled class scores [bags, K] (top-k mean of each class's token logits) and, per bag and class, the top tokens. */
export function poolTokenLogits(head: TokenHead, bags: Pick<TokenBags, 'tokens' | 'tokensPerBag'>): { scores: Float32Array; top: Int32Array[] } {
  const classes = head.linear.classes.length;
  const perBag = bags.tokensPerBag * head.linear.dim;
  const count = bags.tokens.length / perBag;
  ensure(Number.isInteger(count), `a multiple of ${perBag} values ([bags, tokens, dim])`, 'the token bags', bags.tokens.length);
  const k = Math.min(head.topK, bags.tokensPerBag);
  const scores = new Float32Array(count * classes);
  const top: Int32Array[] = [];
  for (let b = 0; b < count; b++) {
    const logits = predictHead(head.linear, bags.tokens.subarray(b * perBag, (b + 1) * perBag));
    for (let c = 0; c < classes; c++) {
      const order = topIndices(logits, { classes, column: c, k });
      top.push(order);
      let sum = 0;
      for (const t of order) sum += logits[t * classes + c]!;
      scores[b * classes + c] = sum / k;
    }
  }
  return { scores, top };
}

/** Indices of the k largest values of one column of an [n, classes] array (ties: lower index first). */
function topIndices(values: Float32Array, options: { classes: number; column: number; k: number }): Int32Array {
  const n = values.length / options.classes;
  const order = Array.from({ length: n }, (_, t) => t);
  order.sort((a, b) => values[b * options.classes + options.column]! - values[a * options.classes + options.column]! || a - b);
  return Int32Array.from(order.slice(0, options.k));
}

/** Token logits [tokens, K] of one image's tokens [tokens, dim]: the map of each class. */
export function tokenLogits(head: TokenHead, tokens: Float32Array): Float32Array {
  return predictHead(head.linear, tokens);
}

function bagLoss(head: TokenHead, bags: TokenBags, weights: Float64Array): number {
  const { scores } = poolTokenLogits(head, bags);
  return crossEntropy(softmaxRows(scores, weights.length), bags.labels, weights);
}

function softmaxRows(scores: Float32Array, classes: number): Float32Array {
  const out = new Float32Array(scores.length);
  for (let row = 0; row < scores.length; row += classes) {
    let max = -Infinity;
    for (let c = 0; c < classes; c++) max = Math.max(max, scores[row + c]!);
    let sum = 0;
    for (let c = 0; c < classes; c++) sum += Math.exp(scores[row + c]! - max);
    for (let c = 0; c < classes; c++) out[row + c] = Math.exp(scores[row + c]! - max) / sum;
  }
  return out;
}

/** Adam moments of the flattened parameters (weights then biases). */
class Adam {
  private readonly m: Float64Array;
  private readonly v: Float64Array;
  private step = 0;
  constructor(size: number, private readonly lr: number) {
    this.m = new Float64Array(size);
    this.v = new Float64Array(size);
  }

  apply(params: Float32Array[], gradient: Float64Array): void {
    this.step++;
    const [b1, b2] = [0.9, 0.999];
    const correction = Math.sqrt(1 - b2 ** this.step) / (1 - b1 ** this.step);
    let offset = 0;
    for (const param of params) {
      for (let i = 0; i < param.length; i++, offset++) {
        const g = gradient[offset]!;
        this.m[offset] = b1 * this.m[offset]! + (1 - b1) * g;
        this.v[offset] = b2 * this.v[offset]! + (1 - b2) * g * g;
        param[i] = param[i]! - (this.lr * correction * this.m[offset]!) / (Math.sqrt(this.v[offset]!) + 1e-8);
      }
    }
  }
}

/** Gradient of the weighted cross-entropy of one mini-batch of bags through the top-k pooling. */
function batchGradient(head: TokenHead, bags: TokenBags, context: { batch: readonly number[]; weights: Float64Array; weightDecay: number }): Float64Array {
  const { dim, classes: names } = head.linear;
  const classes = names.length;
  const gradient = new Float64Array(classes * dim + classes);
  const perBag = bags.tokensPerBag * dim;
  let total = 0;
  for (const b of context.batch) total += context.weights[bags.labels[b]!]!;
  if (total === 0) return gradient;
  for (const b of context.batch) {
    const single = { tokens: bags.tokens.subarray(b * perBag, (b + 1) * perBag), tokensPerBag: bags.tokensPerBag };
    const { scores, top } = poolTokenLogits(head, single);
    const probabilities = softmaxRows(scores, classes);
    const weight = context.weights[bags.labels[b]!]! / total;
    for (let c = 0; c < classes; c++) {
      const dScore = weight * (probabilities[c]! - (bags.labels[b] === c ? 1 : 0)) / top[c]!.length;
      for (const t of top[c]!) {
        for (let d = 0; d < dim; d++) gradient[c * dim + d] = gradient[c * dim + d]! + dScore * single.tokens[t * dim + d]!;
        gradient[classes * dim + c] = gradient[classes * dim + c]! + dScore;
      }
    }
  }
  for (let i = 0; i < classes * dim; i++) gradient[i] = gradient[i]! + context.weightDecay * head.linear.weight[i]!;
  return gradient;
}

function checkBags(bags: TokenBags, what: string, classes: number): number {
  ensureInteger(bags.tokensPerBag, `the tokens per bag of ${what}`, { min: 1 });
  ensure(bags.labels.length > 0, 'at least one bag', what, bags.labels.length);
  for (const label of bags.labels) ensureInteger(label, `a bag label of ${what}`, { min: 0, max: classes - 1 });
  const dim = bags.tokens.length / (bags.labels.length * bags.tokensPerBag);
  ensure(Number.isInteger(dim) && dim >= 1, `[${bags.labels.length}, ${bags.tokensPerBag}, dim] values`, `the tokens of ${what}`, bags.tokens.length);
  return dim;
}

/**
 * Train a token head from bag labels. Deterministic for a seed (mini-batch order); the weights kept are those
 * of the epoch with the lowest validation loss (the last epoch without validation).
 *
 * @example const { head } = trainTokenHead(bags, { classes: ['background', 'polyp'], topK: 8, validation });
 */
export function trainTokenHead(bags: TokenBags, options: TrainTokenHeadOptions): TrainTokenHeadResult {
  const classes = options.classes.length;
  ensure(classes >= 2, 'at least 2 classes', 'the token head classes', classes);
  const dim = checkBags(bags, 'the training bags', classes);
  if (options.validation) ensure(checkBags(options.validation, 'the validation bags', classes) === dim, `tokens of width ${dim}`, 'the validation bags', options.validation.tokens.length);
  const topK = ensureInteger(options.topK ?? 8, 'the token head top-k', { min: 1 });
  const epochs = ensureInteger(options.epochs ?? 40, 'the token head epochs', { min: 1 });
  const lr = ensureNumber(options.lr ?? 0.01, 'the token head learning rate', { min: 0 });
  const weightDecay = ensureNumber(options.weightDecay ?? 1e-4, 'the token head weight decay', { min: 0 });
  const batchSize = ensureInteger(options.batchSize ?? 32, 'the token head batch size', { min: 1 });
  const patience = ensureInteger(options.patience ?? 8, 'the token head patience', { min: 1 });
  const weights = resolveClassWeights('balanced', bags.labels, classes);
  const head: TokenHead = { linear: createLinearHead(options.classes, dim), topK };
  const adam = new Adam(classes * dim + classes, lr);
  const rng = createRng(options.seed ?? 0);
  const progress = createProgressTracker('token head', epochs, options.onProgress);
  const history: TrainTokenHeadResult['history'] = [];
  let best = { loss: Infinity, epoch: 0, weight: head.linear.weight.slice(), bias: head.linear.bias.slice() };
  for (let epoch = 0; epoch < epochs; epoch++) {
    const order = rng.shuffle(Array.from(bags.labels, (_, i) => i));
    for (let start = 0; start < order.length; start += batchSize) {
      const gradient = batchGradient(head, bags, { batch: order.slice(start, start + batchSize), weights, weightDecay });
      adam.apply([head.linear.weight, head.linear.bias], gradient);
    }
    const trainLoss = bagLoss(head, bags, weights);
    const valLoss = options.validation ? bagLoss(head, options.validation, resolveClassWeights('balanced', options.validation.labels, classes)) : undefined;
    history.push({ epoch, trainLoss, ...(valLoss === undefined ? {} : { valLoss }) });
    progress.advance(1);
    const monitored = valLoss ?? -epoch;
    if (monitored < best.loss) best = { loss: monitored, epoch, weight: head.linear.weight.slice(), bias: head.linear.bias.slice() };
    else if (valLoss !== undefined && epoch - best.epoch >= patience) break;
  }
  head.linear.weight.set(best.weight);
  head.linear.bias.set(best.bias);
  return { head, history, bestEpoch: best.epoch };
}
