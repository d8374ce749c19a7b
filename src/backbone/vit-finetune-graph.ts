/**
 * The trainable part of a ViT for fine-tuning its last N blocks (paper §3.2: "optionally fine-tune F and
 * train G"): a graph that starts at the residual stream entering block depth - N (computed beforehand by
 * the frozen forward graph, without gradients, so the frozen blocks' activations are never kept), runs
 * the last N blocks, the final LayerNorm and a linear head on the CLS token, and returns the loss, the
 * logits and the gradient of every trainable tensor from one run. The trainable tensors are graph inputs
 * (GraphBuilder `parameter`) named as in the DINO/timm state dict, so an optimiser updates the fed arrays
 * in place and the session is never rebuilt.
 */
import { ensureInteger, ensureOneOf } from '../core/index.js';
import {
  GraphBuilder, binaryCrossEntropyWithLogits, layerNorm, linear, lossGradients, select, softmaxCrossEntropy,
  type BinaryCrossEntropyOptions, type CrossEntropyOptions, type Value,
} from '../graph/index.js';
import { vitTensorShapes, type VitConfig } from './vit-config.js';
import { transformerBlock } from './vit-graph.js';

/** The training loss on the logits; targets are [batch, classes] (one-hot rows for cross-entropy). */
export type FinetuneLoss =
  | ({ readonly kind: 'cross-entropy' } & CrossEntropyOptions)
  | ({ readonly kind: 'binary-cross-entropy' } & BinaryCrossEntropyOptions);

export interface VitFinetuneGraphOptions {
  /** Trainable blocks at the end of the ViT, 1..depth. */
  readonly blocks: number;
  /** Tokens per image, 1 + registers + patches (the CLS token first; see tokenCount). */
  readonly tokens: number;
  readonly classes: number;
  /** Default cross-entropy without class weights. */
  readonly loss?: FinetuneLoss;
}

export interface VitFinetuneGraph {
  readonly builder: GraphBuilder;
  /** Input [batch, tokens, dim]: the residual stream entering the first trainable block. */
  readonly hidden: Value;
  /** Input [batch, classes]. */
  readonly targets: Value;
  /** Trainable inputs by state-dict name, in finetuneParameterShapes order. */
  readonly parameters: ReadonlyMap<string, Value>;
  readonly logits: Value;
  /** Scalar. */
  readonly loss: Value;
  /** d loss / d parameter, by the parameter's name. */
  readonly gradients: ReadonlyMap<string, Value>;
}

/** The tensors fine-tuning the last `blocks` blocks trains, by DINO/timm name: those blocks, the final norm, the head. */
export function finetuneParameterShapes(config: VitConfig, blocks: number, classes: number): Map<string, number[]> {
  ensureInteger(blocks, 'the fine-tuned blocks', { min: 1, max: config.depth });
  ensureInteger(classes, 'the number of classes', { min: 1 });
  const first = config.depth - blocks;
  const trainable = (name: string): boolean => {
    const block = /^blocks\.(\d+)\./.exec(name);
    return block ? Number(block[1]) >= first : name.startsWith('norm.');
  };
  const shapes = new Map([...vitTensorShapes(config)].filter(([name]) => trainable(name)));
  return shapes.set('head.weight', [classes, config.dim]).set('head.bias', [classes]);
}

export function buildVitFinetuneGraph(config: VitConfig, options: VitFinetuneGraphOptions): VitFinetuneGraph {
  const { blocks, classes } = options;
  const tokens = ensureInteger(options.tokens, 'the tokens per image', { min: 2 });
  const g = new GraphBuilder();
  const shapes = finetuneParameterShapes(config, blocks, classes);
  const parameters = new Map([...shapes].map(([name, shape]) => [name, g.parameter(name, shape)]));
  const hidden = g.input('hidden', ['batch', tokens, config.dim]);
  const targets = g.input('targets', ['batch', classes]);
  let x = hidden;
  for (let i = config.depth - blocks; i < config.depth; i++) x = transformerBlock(g, x, (name) => parameters.get(`blocks.${i}.${name}`)!, config).output;
  // LayerNorm acts on each token alone, so normalising only the CLS token gives the same feature for less.
  const cls = layerNorm(g, select(g, x, 1, 0), parameters.get('norm.weight')!, parameters.get('norm.bias')!, config.layerNormEps);
  const logits = linear(g, cls, parameters.get('head.weight')!, parameters.get('head.bias')!);
  const loss = trainingLoss(g, logits, targets, options.loss ?? { kind: 'cross-entropy' });
  const names = [...parameters.keys()];
  const grads = lossGradients(g, loss, names.map((name) => parameters.get(name)!));
  return { builder: g, hidden, targets, parameters, logits, loss, gradients: new Map(names.map((name, k) => [name, grads[k]!])) };
}

function trainingLoss(g: GraphBuilder, logits: Value, targets: Value, loss: FinetuneLoss): Value {
  ensureOneOf(loss.kind, 'the fine-tuning loss', ['cross-entropy', 'binary-cross-entropy']);
  if (loss.kind === 'cross-entropy') return softmaxCrossEntropy(g, logits, targets, loss);
  return binaryCrossEntropyWithLogits(g, logits, targets, loss);
}
