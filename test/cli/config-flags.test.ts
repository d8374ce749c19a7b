import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configFromFlags, pipelineOptionSpecs, resolveCliConfig } from '../../src/cli/config-flags.js';
import { InputFileError, InvalidArgumentError } from '../../src/core/errors.js';

describe('config flags', () => {
  it('has one flag per config leaf, named after its path', () => {
    expect(pipelineOptionSpecs['explain-n-steps']).toEqual({ type: 'string' });
    expect(pipelineOptionSpecs['mask-ncut-pixel-grid-size']).toEqual({ type: 'string' });
    expect(pipelineOptionSpecs['crf-enabled']).toEqual({ type: 'string' });
  });

  it('parses numbers, booleans and strings by the type of the default', () => {
    expect(configFromFlags({ 'explain-n-steps': '16', 'crf-enabled': 'false', 'mask-ncut-graph': 'patch' })).toEqual({
      explain: { nSteps: 16 },
      crf: { enabled: false },
      mask: { ncut: { graph: 'patch' } },
    });
    expect(() => configFromFlags({ 'explain-n-steps': 'many' })).toThrow(/expected a number for --explain-n-steps but received 'many'/);
    expect(() => configFromFlags({ 'crf-enabled': 'yes' })).toThrow(InvalidArgumentError);
  });

  it('layers variant, config file, flags and --no-crf in that order', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'explainseg-cfg-'));
    const file = join(dir, 'c.json');
    await writeFile(file, JSON.stringify({ explain: { nSteps: 8, ntSamples: 2 } }));
    const config = await resolveCliConfig({ variant: 'fusion-morph', config: file, 'explain-n-steps': '12', 'no-crf': true });
    expect([config.fusion.enabled, config.mask.method, config.explain.nSteps, config.explain.ntSamples, config.crf.enabled]).toEqual([
      true, 'morphology', 12, 2, false,
    ]);
    await writeFile(file, '{ not json');
    await expect(resolveCliConfig({ config: file })).rejects.toThrow(InputFileError);
    await expect(resolveCliConfig({ config: join(dir, 'missing.json') })).rejects.toThrow(/missing.json: cannot read the config file/);
  });
});
