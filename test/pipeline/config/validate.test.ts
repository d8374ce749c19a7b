import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../../src/core/index.js';
import { CONFIG_RULES, configLeafPaths, configProblems, defaultConfig, mergeConfig, resolveConfig, type PartialPipelineConfig } from '../../../src/pipeline/config/index.js';

describe('config validation (hardening item 3: settings are checked before any work)', () => {
  it('has a rule for every leaf of the defaults, and no rule without a leaf', () => {
    const leaves = configLeafPaths(defaultConfig).sort();
    expect(Object.keys(CONFIG_RULES).sort()).toEqual(leaves);
  });

  it('accepts the defaults and every variant', () => {
    expect(configProblems(defaultConfig)).toEqual([]);
    for (const variant of ['fusion-morph', 'fusion-ncut', 'xai-morph', 'xncut']) expect(() => resolveConfig(variant)).not.toThrow();
  });

  it.each([
    [{ explain: { nSteps: 0 } }, 'explain.nSteps: expected an integer in [1, 10000] but received 0'],
    [{ explain: { nSteps: 1.5 } }, 'explain.nSteps: expected an integer in [1, 10000] but received 1.5'],
    [{ view: 'nope' }, "view: expected one of resize, tiles but received 'nope'"],
    [{ crf: { iterations: -5 } }, 'crf.iterations: expected an integer in [0, 1000] but received -5'],
    [{ tileFraction: 5 }, 'tileFraction: expected a number in (0, 1] but received 5'],
    [{ crf: { gtProb: 1 } }, 'crf.gtProb: expected a number in (0, 1) but received 1'],
  ] as [PartialPipelineConfig, string][])('refuses %j naming the key, the value and what is allowed', (override, message) => {
    expect(() => resolveConfig('xncut', override)).toThrow(InvalidArgumentError);
    expect(() => resolveConfig('xncut', override)).toThrow(message);
  });

  it('reports every bad key of a config at once', () => {
    const attempt = (): unknown => resolveConfig('xncut', { explain: { nSteps: 0, ntSamples: -1 }, view: 'x' as 'resize' });
    expect(attempt).toThrow(/invalid settings:\n {2}- view: .*\n {2}- explain\.nSteps: .*\n {2}- explain\.ntSamples: /);
  });

  it.each([
    [[1, 2], "expected an object with keys inputSize, view"],
    [null, 'expected an object with keys inputSize, view'],
    [{ crf: null }, 'expected an object with keys enabled, iterations, gaussian, bilateral, gtProb, maxSide for config.crf but received null'],
    [{ crf: { gaussian: 3 } }, 'for config.crf.gaussian but received 3'],
  ])('refuses a config section that is not an object: %j', (override, message) => {
    expect(() => mergeConfig(defaultConfig, override as PartialPipelineConfig)).toThrow(InvalidArgumentError);
    expect(() => mergeConfig(defaultConfig, override as PartialPipelineConfig)).toThrow(message);
  });
});
