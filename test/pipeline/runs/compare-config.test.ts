import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputFileError, InvalidArgumentError } from '../../../src/core/index.js';
import { DEFAULT_COMPETITORS } from '../../../src/pipeline/competitors/index.js';
import { ensureCompetitorModels, readCompareConfig } from '../../../src/pipeline/runs/index.js';
import { makeTempDir } from '../../data/synthetic.js';

async function configFile(content: Record<string, unknown>): Promise<string> {
  const path = join(await makeTempDir('compare-config-'), 'compare.json');
  await writeFile(path, JSON.stringify({ weights: 'w.safetensors', datasets: [{ name: 'ph2', kind: 'ph2', data: 'ph2', head: 'h' }], ...content }));
  return path;
}

describe('compare config: competitors', () => {
  it('runs the competitors that need no trained model by default', async () => {
    const config = await readCompareConfig(await configFile({}));
    expect(config.competitors).toEqual(DEFAULT_COMPETITORS);
    expect(config.competitors).not.toContain('micranet');
    expect(() => ensureCompetitorModels(config)).not.toThrow();
  });

  it("asks for a MICRA-Net model folder per dataset when 'micranet' is named", async () => {
    const without = await readCompareConfig(await configFile({ competitors: ['micranet'] }));
    expect(() => ensureCompetitorModels(without)).toThrow(InvalidArgumentError);
    expect(() => ensureCompetitorModels(without)).toThrow(/give "micranetModel" .* for dataset\(s\) ph2/);
    const path = await configFile({ competitors: ['micranet'], datasets: [{ name: 'ph2', kind: 'ph2', data: 'ph2', head: 'h', micranetModel: 'models/micranet' }] });
    const withModel = await readCompareConfig(path);
    expect(withModel.datasets[0]!.micranetModel).toBe(join(path, '..', 'models/micranet'));
    expect(() => ensureCompetitorModels(withModel)).not.toThrow();
  });

  it("names the renamed key 'baselines'", async () => {
    await expect(readCompareConfig(await configFile({ baselines: ['tokencut'] }))).rejects.toThrow(InputFileError);
    await expect(readCompareConfig(await configFile({ baselines: ['tokencut'] }))).rejects.toThrow(/'baselines' is now called 'competitors'/);
  });
});
