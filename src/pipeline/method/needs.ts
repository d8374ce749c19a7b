/**
 * The one place that decides what a resolved config needs from the model and which map its cut reads
 * (STYLE.md 9). A variant is a preset of the config (config/presets.ts), so the decision is made on the
 * config: a user's overrides change the needs exactly as a variant would.
 */
import type { ScalarMap } from '../../core/index.js';
import type { PipelineConfig } from '../config/index.js';
import type { ImageExplanation } from './explain-image.js';

export interface MethodNeeds {
  /** Where the relevance comes from: IG's gradients, or the head on the patch tokens (one forward pass). */
  readonly relevance: PipelineConfig['explain']['source'];
  /** The map step 4 cuts: the relevance, or relevance x feature map (fusion, paper Sec. 3.5). */
  readonly map: 'relevance' | 'fused';
  /** The last-block patch keys: only the patch-graph Normalized Cut reads them. */
  readonly patchKeys: boolean;
  /** Whether DenseCRF (step 5) runs. */
  readonly crf: boolean;
}

export function methodNeeds(config: PipelineConfig): MethodNeeds {
  return {
    relevance: config.explain.source,
    map: config.fusion.enabled ? 'fused' : 'relevance',
    patchKeys: config.mask.method === 'ncut' && config.mask.ncut.graph === 'patch',
    crf: config.crf.enabled,
  };
}

/** The map at the original image size that this config cuts. */
export function mapToCut(explanation: Pick<ImageExplanation, 'relevance' | 'fused'>, config: PipelineConfig): ScalarMap {
  return methodNeeds(config).map === 'fused' ? explanation.fused : explanation.relevance.original;
}

/** Whether any of several configs sharing one explanation needs the patch keys (compute them once). */
export function anyNeedsPatchKeys(configs: readonly PipelineConfig[]): boolean {
  return configs.some((config) => methodNeeds(config).patchKeys);
}
