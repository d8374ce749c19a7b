import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../src/core/index.js';
import { resolveVitConfig, vitTensorShapes } from '../../src/backbone/vit-config.js';
import { benchExplain, initialVitWeights } from '../../src/bench/explain.js';

describe('benchExplain (the 224 run itself is too slow for CI; see the report for numbers)', () => {
  it('initialises a ViT as timm does: unit LayerNorm gains, zero biases, N(0, 0.02) weights', () => {
    const config = resolveVitConfig({ dim: 64, depth: 2, heads: 1, imageSize: 64 });
    const dict = initialVitWeights(3, config);
    expect([...dict.keys()]).toEqual([...vitTensorShapes(config).keys()]);
    expect(Array.from(new Set(dict.get('blocks.0.norm1.weight')!.data))).toEqual([1]);
    expect(Array.from(new Set(dict.get('blocks.1.mlp.fc1.bias')!.data))).toEqual([0]);
    const qkv = dict.get('blocks.0.attn.qkv.weight')!.data;
    const std = Math.sqrt(qkv.reduce((sum, v) => sum + v * v, 0) / qkv.length);
    expect(std).toBeGreaterThan(0.019);
    expect(std).toBeLessThan(0.021);
    expect(Array.from(initialVitWeights(3, config).get('cls_token')!.data)).toEqual(Array.from(dict.get('cls_token')!.data));
  });

  it('rejects invalid run counts before loading anything', async () => {
    await expect(benchExplain({ runs: 0 })).rejects.toThrow(InvalidArgumentError);
    await expect(benchExplain({ runs: 1, deltaImages: -1 })).rejects.toThrow(/the delta images/);
  });
});
