/**
 * The files the explain stage leaves per image, named by the image's stem, so later stages (mask, CRF,
 * viewer) and other tools can pick them up: 16-bit PNGs for viewing, raw float32 + JSON header for exact
 * values, colour overlays on the original image, and a prediction JSON.
 */
import { join } from 'node:path';
import { writeJsonAtomic, type ImageTensor, type ScalarMap } from '../../core/index.js';
import { writeFloatMap, writeMapPng16, writeRgbPng } from '../../data/index.js';
import { blendHeatmap, colorizeMap } from '../../render/index.js';
import type { ImageExplanation } from '../method/index.js';

/** The JSON summary of one explanation (no maps). */
export function predictionJson(source: string, explanation: ImageExplanation): Record<string, unknown> {
  const { convergence } = explanation;
  return {
    image: source,
    predictedClass: explanation.predictedClass,
    className: explanation.className,
    probabilities: Array.from(explanation.probabilities),
    logits: Array.from(explanation.logits),
    convergence: {
      deltas: convergence.deltas,
      meanAbsDelta: convergence.meanAbsDelta,
      scoreDifference: convergence.scoreDifference,
      relativeDelta: convergence.relativeDelta,
    },
    timingsMs: explanation.timingsMs,
  };
}

async function writeMap(dir: string, name: string, map: ScalarMap): Promise<string[]> {
  const png = join(dir, `${name}.png`);
  const raw = join(dir, `${name}.f32`);
  await writeMapPng16(png, map);
  await writeFloatMap(raw, map);
  return [png, raw, `${raw}.json`];
}

/**
 * Write `<stem>.prediction.json`, `<stem>.{relevance,feature,fused}.{png,f32,f32.json}`,
 * `<stem>.relevance-heatmap.png` (turbo colours) and `<stem>.{relevance,fused}-overlay.png` (blended
 * over the original image). Returns the paths written.
 */
export async function writeExplanation(dir: string, stem: string, inputs: { source: string; image: ImageTensor; explanation: ImageExplanation }): Promise<string[]> {
  const { explanation, image } = inputs;
  const base = join(dir, stem);
  const written: string[] = [];
  const prediction = `${base}.prediction.json`;
  await writeJsonAtomic(prediction, predictionJson(inputs.source, explanation));
  written.push(prediction);
  written.push(...(await writeMap(dir, `${stem}.relevance`, explanation.relevance.original)));
  written.push(...(await writeMap(dir, `${stem}.feature`, explanation.feature.original)));
  written.push(...(await writeMap(dir, `${stem}.fused`, explanation.fused)));
  const heatmap = `${base}.relevance-heatmap.png`;
  await writeRgbPng(heatmap, colorizeMap(explanation.relevance.original, 'turbo'));
  written.push(heatmap);
  for (const [name, map] of [['relevance', explanation.relevance.original], ['fused', explanation.fused]] as const) {
    const overlay = `${base}.${name}-overlay.png`;
    await writeRgbPng(overlay, blendHeatmap(image, map, { alpha: 0.5, colormap: 'turbo' }));
    written.push(overlay);
  }
  return written;
}
