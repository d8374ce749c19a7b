import { describe, expect, it } from 'vitest';
import { createImageTensor, createScalarMap } from '../../../src/core/index.js';
import { resolveConfig } from '../../../src/pipeline/config/presets.js';
import { segmentFromExplanation } from '../../../src/pipeline/method/segment-image.js';

/** A 48x48 grey image with a black inset box in the bottom-left corner and a brighter disc in the middle. */
function sceneWithInsetBox() {
  const rows = 48;
  const cols = 48;
  const image = createImageTensor(3, rows, cols);
  const relevance = createScalarMap(rows, cols);
  for (let y = 0; y < rows; y++) {
    for (let x = 0; x < cols; x++) {
      const inBox = y >= 34 && x < 14;
      const inDisc = (y - 20) ** 2 + (x - 28) ** 2 < 36;
      for (let c = 0; c < 3; c++) image.data[c * rows * cols + y * cols + x] = inBox ? 0 : inDisc ? 0.8 : 0.45;
      // The zero-baseline artefact: the box's relevance is as high as the lesion's.
      relevance.data[y * cols + x] = inBox || inDisc ? 1 : 0.05;
    }
  }
  return { image, relevance, inBox: (i: number) => Math.floor(i / cols) >= 34 && i % cols < 14 };
}

describe('segmentFromExplanation: dark border artefacts', () => {
  const grid = { rows: 48, cols: 48 };
  const boxPixels = (data: Uint8Array, inBox: (i: number) => boolean) => Array.from(data).filter((v, i) => v === 1 && inBox(i)).length;

  for (const variant of ['xai-morph', 'xncut'] as const) {
    it(`${variant} keeps the lesion and leaves the black inset box out`, () => {
      const { image, relevance, inBox } = sceneWithInsetBox();
      const explanation = { relevance: { input: relevance, original: relevance }, fused: relevance };
      const { mask } = segmentFromExplanation(image, explanation, { config: resolveConfig(variant, { crf: { enabled: false } }), grid });
      expect(boxPixels(mask.data, inBox)).toBe(0);
      expect(mask.data[20 * 48 + 28]).toBe(1);
    });
  }

  it('is what removes the box when border clearing is off', () => {
    const { image, relevance, inBox } = sceneWithInsetBox();
    const explanation = { relevance: { input: relevance, original: relevance }, fused: relevance };
    const morphology = { clearBorder: false };
    const withStep = segmentFromExplanation(image, explanation, { config: resolveConfig('xai-morph', { crf: { enabled: false }, mask: { morphology } }), grid });
    const without = segmentFromExplanation(image, explanation, {
      config: resolveConfig('xai-morph', { crf: { enabled: false }, mask: { darkBorderThreshold: 0, morphology } }), grid,
    });
    expect(boxPixels(withStep.mask.data, inBox)).toBe(0);
    expect(boxPixels(without.mask.data, inBox)).toBeGreaterThan(100);
  });
});
