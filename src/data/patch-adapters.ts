import { join } from 'node:path';
import { createRng, ensureInteger } from '../core/index.js';
import { listImageFiles, stemOf } from './adapters.js';
import { balanceByLabel, checkClassesPresent, checkImageFiles, ProblemList, type AdapterOptions, type Dataset, type DatasetItem } from './dataset.js';
import { readMask } from './images/image-io.js';
import { labelPatches, type PatchOptions } from './patches.js';

export interface PatchDatasetOptions extends AdapterOptions, PatchOptions {
  /** Subsample every class to the smallest one (default true), as the paper does for Kvasir-SEG. */
  balance?: boolean;
  /** Seed of the balancing subsample (default 0). */
  seed?: number;
}

/** A folder pair images/ + masks/ matched by file stem; the mask extension may differ from the image's. */
interface PatchLayout {
  readonly name: string;
  readonly classes: string[];
  readonly groupOf: (stem: string) => string;
  readonly defaults: PatchOptions;
}

async function pairImagesWithMasks(root: string, problems: ProblemList): Promise<DatasetItem[]> {
  const images = await listImageFiles(join(root, 'images'));
  const masks = new Map((await listImageFiles(join(root, 'masks'))).map((name) => [stemOf(name), name]));
  const imageStems = new Set(images.map(stemOf));
  for (const [stem, name] of masks) if (!imageStems.has(stem)) problems.add(join(root, 'masks', name), 'mask without an image');
  const items: DatasetItem[] = [];
  for (const name of images) {
    const mask = masks.get(stemOf(name));
    if (mask === undefined) problems.add(join(root, 'images', name), 'image without a mask (patch labels need the mask)');
    else items.push({ id: stemOf(name), imagePath: join(root, 'images', name), maskPath: join(root, 'masks', mask), label: 0 });
  }
  return items;
}

/** Cuts each image into labelled patches read from its mask (decoded here, nothing cached on disk). */
async function patchItems(sources: readonly DatasetItem[], layout: PatchLayout, options: PatchDatasetOptions, problems: ProblemList): Promise<DatasetItem[]> {
  const patchOptions: PatchOptions = { ...layout.defaults, ...pickPatchOptions(options) };
  const items: DatasetItem[] = [];
  for (const source of sources) {
    let patches;
    try {
      patches = labelPatches(await readMask(source.maskPath!), patchOptions);
    } catch (error) {
      problems.add(source.maskPath!, error instanceof Error ? error.message : String(error));
      continue;
    }
    for (const patch of patches) {
      const { top, left } = patch.crop;
      items.push({ id: `${source.id}@${top},${left}`, imagePath: source.imagePath, maskPath: source.maskPath!, label: patch.label, group: layout.groupOf(source.id), crop: patch.crop });
    }
  }
  return items;
}

function pickPatchOptions(options: PatchDatasetOptions): PatchOptions {
  const keys = ['size', 'fractionOfShortSide', 'stride', 'positiveFraction', 'negativeFraction'] as const;
  return Object.fromEntries(keys.filter((key) => options[key] !== undefined).map((key) => [key, options[key]]));
}

async function loadPatchLayout(root: string, layout: PatchLayout, options: PatchDatasetOptions): Promise<Dataset> {
  const problems = new ProblemList();
  let sources = await pairImagesWithMasks(root, problems);
  if (options.limit !== undefined) sources = sources.slice(0, ensureInteger(options.limit, 'the dataset limit', { min: 1 }));
  const readable = await checkImageFiles(sources, problems);
  let items = await patchItems(readable, layout, options, problems);
  if (options.balance ?? true) items = balanceByLabel(items, layout.classes.length, createRng(options.seed ?? 0));
  checkClassesPresent(layout.classes, items, root, problems);
  return { name: layout.name, classes: layout.classes, items, warnings: problems.settle(layout.name, options.skipBad) };
}

/**
 * The lesion class of each patch dataset. A head trained on patches sees a whole frame as mostly background,
 * so explaining the predicted class of a frame explains the background; pipelines explain this class instead.
 */
export const PATCH_DATASET_LESION_CLASS = Object.freeze({ 'kvasir-seg': 'polyp', monuseg: 'nuclei' } as const);

/**
 * Kvasir-SEG polyps (Jha et al., MMM 2020). Every frame shows a polyp, so the classifier is trained on
 * patches: a quarter of the short side by default, positive at >= 25 % polyp, negative without polyp pixels,
 * classes balanced by seeded subsampling. Patches of one frame share a group so splits keep them together.
 */
export async function loadKvasirSeg(root: string, options: PatchDatasetOptions = {}): Promise<Dataset> {
  return loadPatchLayout(root, {
    name: 'kvasir-seg', classes: ['background', PATCH_DATASET_LESION_CLASS['kvasir-seg']], groupOf: (stem) => stem,
    defaults: { fractionOfShortSide: 0.25, positiveFraction: 0.25, negativeFraction: 0 },
  }, options);
}

/**
 * MoNuSeg nuclei (Kumar et al., IEEE TMI 2017): 32-pixel patches with (>= 25 %) or without nuclei. Nuclei
 * cover most 64-pixel windows of a 40x tile, so smaller patches are needed to find negatives at all.
 * Grouped by TCGA patient (the first three parts of the tile name).
 */
export async function loadMonuseg(root: string, options: PatchDatasetOptions = {}): Promise<Dataset> {
  return loadPatchLayout(root, {
    name: 'monuseg', classes: ['background', PATCH_DATASET_LESION_CLASS.monuseg], groupOf: (stem) => stem.split('-').slice(0, 3).join('-'),
    defaults: { size: 32, positiveFraction: 0.25, negativeFraction: 0 },
  }, options);
}
