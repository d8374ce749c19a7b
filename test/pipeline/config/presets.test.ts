import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../../src/pipeline/config/defaults.js';
import { mergeConfig, resolveConfig, variantNames } from '../../../src/pipeline/config/presets.js';
import { InvalidArgumentError } from '../../../src/core/errors.js';

describe('pipeline presets', () => {
  it('maps the four paper variants to fusion on/off and morphology/ncut', () => {
    const table = variantNames.map((v) => [v, resolveConfig(v).fusion.enabled, resolveConfig(v).mask.method]);
    expect(table).toEqual([
      ['fusion-morph', true, 'morphology'],
      ['fusion-ncut', true, 'ncut'],
      ['xai-morph', false, 'morphology'],
      ['xncut', false, 'ncut'],
    ]);
  });

  it('merges nested overrides without touching the frozen defaults', () => {
    const config = mergeConfig(defaultConfig, { explain: { nSteps: 8 } }, { crf: { enabled: false } });
    expect(config.explain.nSteps).toBe(8);
    expect(config.explain.ntSamples).toBe(defaultConfig.explain.ntSamples);
    expect(config.crf.enabled).toBe(false);
    expect(defaultConfig.explain.nSteps).toBe(50);
    expect(Object.isFrozen(defaultConfig.explain)).toBe(true);
  });

  it('rejects an unknown key or variant with the standard message', () => {
    expect(() => mergeConfig(defaultConfig, { explain: { nStep: 8 } } as never)).toThrow(
      /expected one of .* for a key of config.explain but received 'nStep'/,
    );
    expect(() => resolveConfig('xcut')).toThrow(InvalidArgumentError);
  });
});
