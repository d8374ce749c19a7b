import type { NamedTensor, StateDict } from '../state-dict.js';
import {
  DINOV2_HF_BLOCK_RENAMES, DINOV2_HF_TOP_RENAMES, DINOV2_NON_BACKBONE_PREFIXES, DINOV2_WRAPPER_PREFIXES, unchunkBlockName,
} from '../dinov2/names.js';

/** Wrappers added by training code: DistributedDataParallel (`module.`), DINO's MultiCropWrapper (`backbone.`), HF (`vit.`, `dinov2.`). */
const wrapperPrefixes = ['module.', 'backbone.', 'vit.', ...DINOV2_WRAPPER_PREFIXES];
/** Parts of a checkpoint that are not the backbone: DINO projection head, timm classifier, HF pooler and classifier, DINOv2's heads. */
const nonBackbonePrefixes = ['head.', 'head_dist.', 'pooler.', 'classifier.', 'fc_norm.', ...DINOV2_NON_BACKBONE_PREFIXES];

/** Hugging Face ViTModel names (transformers' modeling_vit.py) to DINO/timm names, per block. */
const hfBlockRenames: ReadonlyArray<[string, string]> = [
  ['attention.output.dense.', 'attn.proj.'],
  ['layernorm_before.', 'norm1.'],
  ['layernorm_after.', 'norm2.'],
  ['intermediate.dense.', 'mlp.fc1.'],
  ['output.dense.', 'mlp.fc2.'],
  ...DINOV2_HF_BLOCK_RENAMES,
];
const hfTopRenames: Readonly<Record<string, string>> = {
  'embeddings.cls_token': 'cls_token',
  'embeddings.position_embeddings': 'pos_embed',
  'embeddings.patch_embeddings.projection.weight': 'patch_embed.proj.weight',
  'embeddings.patch_embeddings.projection.bias': 'patch_embed.proj.bias',
  'layernorm.weight': 'norm.weight',
  'layernorm.bias': 'norm.bias',
  ...DINOV2_HF_TOP_RENAMES,
};

export interface NormalizedNames {
  readonly stateDict: StateDict;
  /** Source names left out of the backbone, each with the reason. */
  readonly ignored: string[];
}

/**
 * Bring a checkpoint's tensors to DINO/timm names: strip wrapper prefixes, set aside non-backbone
 * tensors (reported, not silently dropped), and translate Hugging Face ViTModel and Dinov2Model names,
 * concatenating separate query/key/value projections into timm's fused `attn.qkv` (rows q, then k, then v);
 * DINOv2's chunked block names (`blocks.CHUNK.N.`) become `blocks.N.`.
 * Names it does not know are kept as they are, so the shape check reports them as unexpected.
 */
export function normalizeVitNames(tensors: ReadonlyMap<string, NamedTensor>): NormalizedNames {
  const stateDict: StateDict = new Map();
  const ignored: string[] = [];
  const qkvParts = new Map<string, Map<string, NamedTensor>>();
  for (const [source, tensor] of tensors) {
    const name = unchunkBlockName(stripWrapperPrefixes(source));
    if (nonBackbonePrefixes.some((prefix) => name.startsWith(prefix))) {
      ignored.push(`${source} (not part of the backbone)`);
      continue;
    }
    const hfAttention = /^encoder\.layer\.(\d+)\.attention\.attention\.(query|key|value)\.(weight|bias)$/.exec(name);
    if (hfAttention) {
      const [, block, part, kind] = hfAttention;
      const target = `blocks.${block}.attn.qkv.${kind}`;
      if (!qkvParts.has(target)) qkvParts.set(target, new Map());
      qkvParts.get(target)!.set(part!, tensor);
      continue;
    }
    stateDict.set(renameHuggingFace(name), tensor);
  }
  for (const [target, parts] of qkvParts) fuseQkv(target, parts, stateDict);
  return { stateDict, ignored };
}

function stripWrapperPrefixes(name: string): string {
  let stripped = name;
  for (let changed = true; changed; ) {
    const prefix = wrapperPrefixes.find((p) => stripped.startsWith(p));
    changed = prefix !== undefined;
    if (prefix) stripped = stripped.slice(prefix.length);
  }
  return stripped;
}

function renameHuggingFace(name: string): string {
  if (name in hfTopRenames) return hfTopRenames[name]!;
  const block = /^encoder\.layer\.(\d+)\.(.*)$/.exec(name);
  if (!block) return name;
  const rename = hfBlockRenames.find(([from]) => block[2]!.startsWith(from));
  return rename ? `blocks.${block[1]}.${rename[1]}${block[2]!.slice(rename[0].length)}` : name;
}

/** Stack q, k, v along the first axis; with a part missing, keep the HF names so the check reports them. */
function fuseQkv(target: string, parts: Map<string, NamedTensor>, stateDict: StateDict): void {
  const ordered = ['query', 'key', 'value'].map((part) => parts.get(part));
  const [query] = ordered;
  const complete = ordered.every((t) => t && query && sameShape(t.shape, query.shape));
  if (!complete || !query) {
    const block = /^blocks\.(\d+)\./.exec(target)![1];
    const kind = target.endsWith('weight') ? 'weight' : 'bias';
    for (const [part, tensor] of parts) stateDict.set(`encoder.layer.${block}.attention.attention.${part}.${kind}`, tensor);
    return;
  }
  const data = new Float32Array(query.data.length * 3);
  ordered.forEach((tensor, i) => data.set(tensor!.data, i * query.data.length));
  stateDict.set(target, { shape: [query.shape[0]! * 3, ...query.shape.slice(1)], data });
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
