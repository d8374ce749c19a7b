import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../src/core/index.js';
import { vitTensorShapes } from '../../src/backbone/vit-config.js';
import { benchEngine, randomVitWeights } from '../../src/bench/engine.js';
import { TINY_VIT } from '../helpers/tiny-vit-weights.js';

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

describe('benchEngine on a tiny ViT', () => {
  it('times forward and gradient per image from the medians of the runs', async () => {
    const events: number[] = [];
    const result = await benchEngine({ config: TINY_VIT, batch: 3, runs: 3, threads: 1, gemm: false, onProgress: (e) => events.push(e.done) });
    expect(result).toMatchObject({ batch: 3, runs: 3, threads: 1, inputSize: 16, optimizationLevel: 'extended', spinning: false, gemmGflops: null });
    expect(result.config).toEqual(TINY_VIT);
    expect(result.forwardBatchMs).toHaveLength(3);
    expect(result.gradBatchMs).toHaveLength(3);
    expect(result.gradMsPerImage).toBeCloseTo(median(result.gradBatchMs) / 3, 9);
    expect(result.forwardMsPerImage).toBeCloseTo(median(result.forwardBatchMs) / 3, 9);
    expect(result.gradCpuMsPerImage).toBeGreaterThan(0);
    expect(events).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it('rejects a batch of 0 with the documented message', async () => {
    await expect(benchEngine({ config: TINY_VIT, batch: 0 })).rejects.toThrow(InvalidArgumentError);
    await expect(benchEngine({ config: TINY_VIT, batch: 0 })).rejects.toThrow('expected an integer >= 1 for the benchmark batch but received 0');
  });
});

describe('randomVitWeights', () => {
  it('has every tensor of the config with its shape, seeded', () => {
    const weights = randomVitWeights(TINY_VIT, 4);
    expect(new Map([...weights].map(([name, t]) => [name, t.shape]))).toEqual(vitTensorShapes(TINY_VIT));
    expect(randomVitWeights(TINY_VIT, 4).get('blocks.1.mlp.fc2.weight')!.data).toEqual(weights.get('blocks.1.mlp.fc2.weight')!.data);
    expect(Math.max(...weights.get('pos_embed')!.data.map(Math.abs))).toBeLessThanOrEqual(0.05);
  });
});
