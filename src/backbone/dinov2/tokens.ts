/**
 * DINOv2's token layout in the ViT graph (Oquab et al. 2023; registers: Darcet et al. 2024): register
 * tokens enter after the CLS token and the position embeddings are added before they are inserted, so they
 * have none; the runner's outputs keep the DINO contract (CLS first, then the patches) by leaving the
 * registers out of the attention, queries, keys and values it returns.
 */
import { concat, slice, type GraphBuilder, type Value } from '../../graph/index.js';
import { DINO_INTERPOLATION, type PosEmbedInterpolation } from '../pos-embed.js';
import { registersOf, type VitConfig } from '../vit-config.js';

/**
 * DINOv2's hub models resize position embeddings as DINO does (offset 0.1, no antialias) for dinov2_vits14,
 * and with the output size and antialias for the register models (dinov2_vits14_reg4: interpolate_offset=0.0,
 * interpolate_antialias=True). The weights do not record it, so the registers decide, as in the hub.
 */
export function posEmbedInterpolation(config: VitConfig): PosEmbedInterpolation {
  return registersOf(config) > 0 ? { offset: 0, antialias: true } : DINO_INTERPOLATION;
}

/**
 * Position embeddings [1 + N, dim] (CLS, then the patches) spread over the token layout [1 + R + N, dim]:
 * zero rows at the R register positions, so one Add after one Concat gives DINOv2's sequence.
 */
export function posEmbedOverTokens(posEmbed: Float32Array, dim: number, registers: number): Float32Array {
  if (registers === 0) return posEmbed;
  const out = new Float32Array(posEmbed.length + registers * dim);
  out.set(posEmbed.subarray(0, dim));
  out.set(posEmbed.subarray(dim), (1 + registers) * dim);
  return out;
}

/** Constant tokens [1, count, dim] repeated over the batch of `pixels` (no gradient flows into them). */
export function broadcastTokens(g: GraphBuilder, tokens: Value, pixels: Value): Value {
  const [count, dim] = [tokens.shape[1] as number, tokens.shape[2] as number];
  const [batchSize] = g.node('Shape', [pixels], [[1]], { start: 0, end: 1 });
  const [target] = g.node('Concat', [batchSize!, g.constantInt64([count, dim])], [[3]], { axis: 0 });
  const [expanded] = g.node('Expand', [tokens, target!], [['batch', count, dim]]);
  return expanded!;
}

/** Keep position 0 (CLS) and 1 + R onwards (the patches) along one axis: the register tokens left out. */
export function withoutRegisters(g: GraphBuilder, x: Value, axis: number, registers: number): Value {
  if (registers === 0) return x;
  const size = x.shape[axis] as number;
  return concat(g, [slice(g, x, axis, 0, 1), slice(g, x, axis, 1 + registers, size)], axis);
}
