import { ensureOneOf } from '../core/index.js';
import { loadBusBra, loadGeneric, loadPh2, type GenericOptions, type Ph2Options } from './adapters.js';
import type { Dataset } from './dataset.js';
import { loadKvasirSeg, loadMonuseg, type PatchDatasetOptions } from './patch-adapters.js';

export const DATASET_KINDS = ['kvasir-seg', 'bus-bra', 'ph2', 'monuseg', 'generic'] as const;
export type DatasetKind = (typeof DATASET_KINDS)[number];

export type LoadDatasetOptions = PatchDatasetOptions & Ph2Options & GenericOptions;

/** Opens a dataset folder with the adapter for its kind. */
export async function loadDataset(kind: DatasetKind, root: string, options: LoadDatasetOptions = {}): Promise<Dataset> {
  switch (ensureOneOf(kind, 'the dataset kind', DATASET_KINDS)) {
    case 'kvasir-seg': return loadKvasirSeg(root, options);
    case 'monuseg': return loadMonuseg(root, options);
    case 'bus-bra': return loadBusBra(root, options);
    case 'ph2': return loadPh2(root, options);
    case 'generic': return loadGeneric(root, options);
  }
}
