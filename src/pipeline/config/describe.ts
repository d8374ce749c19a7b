import type { PipelineConfig } from './types.js';

/** One line that says what a resolved config does, for progress lines and reports. */
export function describeConfig(config: PipelineConfig): string {
  const e = config.explain;
  const fusion = config.fusion.enabled ? `fusion with ${config.fusion.feature}` : 'no fusion';
  const cut = `${config.mask.method}${config.mask.method === 'ncut' ? ` (${config.mask.ncut.graph} graph)` : ''}`;
  return `IG ${e.method} x${e.nSteps}, NoiseTunnel ${e.ntType} x${e.ntSamples} (stdev ${e.stdevs}), ${fusion}, ${cut}, CRF ${config.crf.enabled ? 'on' : 'off'}`;
}
