/**
 * Explanations are the expensive step (hundreds of gradient evaluations per image); the mask stages after
 * them are cheap. Runs that try several post-processing settings on the same images keep each explanation
 * on disk, keyed by the image's checksum and everything the explanation depends on, and rebuild the maps
 * from it instead of explaining again.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeJsonAtomic, type ScalarMap } from '../../core/index.js';
import { readFloatMap, writeFloatMap } from '../../data/index.js';
import { mapsAtOriginalSize, type ImageExplanation } from '../method/explain-image.js';

/** What the mask stages and the reports read from an explanation. */
export type ExplanationMaps = Pick<ImageExplanation, 'predictedClass' | 'targetClass' | 'className' | 'probabilities' | 'convergence' | 'relevance' | 'feature' | 'fused'>;

interface CachedHeader {
  readonly key: string;
  readonly predictedClass: number;
  readonly targetClass: number;
  readonly className: string;
  readonly probabilities: number[];
  readonly convergence: ImageExplanation['convergence'];
}

export class ExplanationCache {
  constructor(readonly dir: string) {}

  private paths(id: string): { header: string; relevance: string; feature: string } {
    const stem = join(this.dir, encodeURIComponent(id));
    return { header: `${stem}.json`, relevance: `${stem}.relevance.f32`, feature: `${stem}.feature.f32` };
  }

  /** The cached explanation of `id` under `key`, with its maps at `size`, or undefined. */
  async load(id: string, key: string, size: { rows: number; cols: number }): Promise<ExplanationMaps | undefined> {
    const paths = this.paths(id);
    try {
      const header = JSON.parse(await readFile(paths.header, 'utf8')) as CachedHeader;
      if (header.key !== key) return undefined;
      const relevanceInput = await readFloatMap(paths.relevance);
      const featurePatch = await readFloatMap(paths.feature);
      return rebuild(header, relevanceInput, featurePatch, size);
    } catch {
      return undefined;
    }
  }

  /** Maps first, header last: a header on disk means its maps are complete. */
  async save(id: string, key: string, explanation: ExplanationMaps): Promise<void> {
    const paths = this.paths(id);
    await writeFloatMap(paths.relevance, explanation.relevance.input);
    await writeFloatMap(paths.feature, explanation.feature.patch);
    const header: CachedHeader = {
      key, predictedClass: explanation.predictedClass, targetClass: explanation.targetClass, className: explanation.className,
      probabilities: Array.from(explanation.probabilities), convergence: explanation.convergence,
    };
    await writeJsonAtomic(paths.header, header);
  }
}

function rebuild(header: CachedHeader, relevanceInput: ScalarMap, featurePatch: ScalarMap, size: { rows: number; cols: number }): ExplanationMaps {
  const maps = mapsAtOriginalSize(relevanceInput, featurePatch, size);
  return {
    predictedClass: header.predictedClass, targetClass: header.targetClass, className: header.className,
    probabilities: Float32Array.from(header.probabilities), convergence: header.convergence,
    relevance: { input: relevanceInput, original: maps.relevance },
    feature: { patch: featurePatch, original: maps.feature },
    fused: maps.fused,
  };
}
