import { createRng, ensure, ensureNumber, type Rng } from '../core/index.js';
import type { DatasetItem } from './dataset.js';

export interface SplitFractions {
  readonly train: number;
  readonly val: number;
  readonly test: number;
}

export interface DatasetSplit {
  readonly train: DatasetItem[];
  readonly val: DatasetItem[];
  readonly test: DatasetItem[];
}

export interface SplitOptions {
  /** Default 0.7 / 0.15 / 0.15. */
  fractions?: SplitFractions;
  seed?: number;
}

export const DEFAULT_SPLIT_FRACTIONS: SplitFractions = Object.freeze({ train: 0.7, val: 0.15, test: 0.15 });

const PARTS = ['train', 'val', 'test'] as const;

interface Unit {
  readonly key: string;
  readonly items: DatasetItem[];
  readonly stratum: number;
}

/** Items of one patient (or one item, when there are no groups) travel together: no leakage across parts. */
function groupUnits(items: readonly DatasetItem[]): Unit[] {
  const byKey = new Map<string, DatasetItem[]>();
  for (const item of items) {
    const key = item.group ?? `item:${item.id}`;
    const list = byKey.get(key) ?? [];
    list.push(item);
    byKey.set(key, list);
  }
  return [...byKey.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([key, list]) => ({ key, items: list, stratum: majorityLabel(list) }));
}

function majorityLabel(items: readonly DatasetItem[]): number {
  const counts = new Map<number, number>();
  for (const item of items) counts.set(item.label, (counts.get(item.label) ?? 0) + 1);
  let best = items[0]!.label;
  for (const [label, count] of counts) if (count > counts.get(best)! || (count === counts.get(best)! && label < best)) best = label;
  return best;
}

function ensureFractions(fractions: SplitFractions): void {
  for (const part of PARTS) ensureNumber(fractions[part], `the ${part} fraction`, { min: 0, max: 1 });
  const sum = fractions.train + fractions.val + fractions.test;
  ensure(Math.abs(sum - 1) < 1e-6, 'fractions that sum to 1', 'the train/val/test split', sum);
  ensure(fractions.train > 0, 'a positive fraction', 'the train part', fractions.train);
}

/**
 * Deals the shuffled groups of one stratum to the part furthest below its target item count, so that
 * each part gets its share of each label even when groups differ in size (greedy largest deficit).
 */
function dealStratum(units: Unit[], fractions: SplitFractions, rng: Rng, out: Record<(typeof PARTS)[number], DatasetItem[]>): void {
  const total = units.reduce((sum, unit) => sum + unit.items.length, 0);
  const assigned = { train: 0, val: 0, test: 0 };
  for (const unit of rng.shuffle(units)) {
    let best: (typeof PARTS)[number] = 'train';
    for (const part of PARTS) {
      if (fractions[part] === 0) continue;
      if (fractions[part] * total - assigned[part] > fractions[best] * total - assigned[best]) best = part;
    }
    assigned[best] += unit.items.length;
    out[best].push(...unit.items);
  }
}

/**
 * Deterministic seeded train/val/test split by group (patient) when items carry one, stratified by each
 * group's majority label (cf. scikit-learn's StratifiedGroupKFold). Item order inside each part follows
 * the dataset's order, so the result depends on the items and the seed only.
 */
export function splitDataset(items: readonly DatasetItem[], options: SplitOptions = {}): DatasetSplit {
  const fractions = options.fractions ?? DEFAULT_SPLIT_FRACTIONS;
  ensureFractions(fractions);
  const out = { train: [] as DatasetItem[], val: [] as DatasetItem[], test: [] as DatasetItem[] };
  if (items.length === 0) return out;
  const rng = createRng(options.seed ?? 0);
  const units = groupUnits(items);
  const strata = [...new Set(units.map((unit) => unit.stratum))].sort((a, b) => a - b);
  for (const stratum of strata) dealStratum(units.filter((unit) => unit.stratum === stratum), fractions, rng, out);
  const order = new Map(items.map((item, index) => [item, index]));
  for (const part of PARTS) out[part].sort((a, b) => order.get(a)! - order.get(b)!);
  return out;
}
