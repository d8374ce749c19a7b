import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../../src/core/index.js';
import type { VitModel } from '../../../src/backbone/vit-model.js';
import { imageToBatch, resizeImage } from '../../../src/data/index.js';
import { predictHead, type HeadModel } from '../../../src/head/index.js';
import { explainImage, gradientEvaluationsPerImage, methodNeeds } from '../../../src/pipeline/method/index.js';
import { blobImage, explainConfig, tinyClassifier } from '../../helpers/explain-fixture.js';

let model: VitModel;
let head: HeadModel;

beforeAll(async () => {
  ({ model, head } = await tinyClassifier());
});
afterAll(async () => {
  await model.dispose();
});

describe("explain.source 'patch-logits' (the head on every patch token) on a tiny ViT", () => {
  it('costs no gradient and ranks the input grid as the per-token log-odds of the target class do', async () => {
    const config = explainConfig({ source: 'patch-logits', target: 'predicted' });
    expect(gradientEvaluationsPerImage(config.explain)).toBe(0);
    expect(methodNeeds(config).relevance).toBe('patch-logits');
    const image = blobImage(16, 16);
    const result = await explainImage(image, { model, head, config });
    const pixels = imageToBatch([await resizeImage(image, 16)], head.normalisation);
    const tokens = (await model.forward(pixels, 1, ['patchTokens'])).patchTokens!;
    const logits = predictHead(head.head, tokens);
    const t = result.targetClass;
    const evidence = Array.from({ length: 16 }, (_, p) => logits[2 * p + t]! - logits[2 * p + 1 - t]!);
    // The relevance at each patch centre (2, 2) + 4k follows the token evidence's order; the map spans [0, 1].
    const atCentres = evidence.map((_, p) => result.relevance.input.data[(4 * Math.floor(p / 4) + 2) * 16 + 4 * (p % 4) + 2]!);
    const best = evidence.indexOf(Math.max(...evidence));
    expect(atCentres.indexOf(Math.max(...atCentres))).toBe(best);
    expect(Math.max(...result.relevance.input.data)).toBeCloseTo(1, 6);
    expect(Math.min(...result.relevance.input.data)).toBeCloseTo(0, 6);
    expect(result.convergence.deltas).toEqual([]);
  });

  it("'token-head' reads the context's token head: the CLS head as token head gives the patch-logits map", async () => {
    const image = blobImage(16, 16);
    const asPatchLogits = await explainImage(image, { model, head, config: explainConfig({ source: 'patch-logits' }) });
    const tokenHead = { linear: head.head, topK: 1 };
    const asTokenHead = await explainImage(image, { model, head, tokenHead, config: explainConfig({ source: 'token-head' }) });
    expect(asTokenHead.relevance.input.data).toEqual(asPatchLogits.relevance.input.data);
    await expect(explainImage(image, { model, head, config: explainConfig({ source: 'token-head' }) })).rejects.toThrow(/expected a token head in the explain context/);
  });

  it('is refused by the config check when the source is unknown', () => {
    expect(() => explainConfig({ source: 'saliency' as 'patch-logits' })).toThrow(InvalidArgumentError);
    expect(() => explainConfig({ source: 'saliency' as 'patch-logits' })).toThrow(/explain\.source: expected one of integrated-gradients, patch-logits, token-head/);
  });
});
