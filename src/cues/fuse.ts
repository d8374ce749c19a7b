/**
 * Fusing localisation cues into one map (issue 14): every cue is standardised over the valid pixels of its
 * image (zero mean, unit standard deviation), weighted and summed. The weights per dataset are chosen on
 * development images (scripts/cue-sweep.mjs) and recorded in the model folder; the cut (Otsu or a fraction of
 * the valid pixels) is pipeline/student's `cutFused`.
 *
 * @example const fused = fuseCues({ teacher, prior }, { teacher: 2, prior: 0.5 }, valid);
 */
import { invalid } from '../core/index.js';

/**
 * The cues a fused map may weigh: the student's and the teacher's token maps, the union of MaskCut's masks
 * on the backbone's keys ('objectness', label-free), and the image cues.
 */
export const CUE_NAMES = ['student', 'teacher', 'objectness', 'prior', 'contrast', 'darkness', 'smoothness', 'haematoxylin'] as const;
export type CueName = (typeof CUE_NAMES)[number];
export type CueWeights = Readonly<Partial<Record<CueName, number>>>;
/** 'otsu', or the fraction of valid pixels kept as foreground. */
export type CutRule = 'otsu' | number;

export function standardise(values: Float32Array, valid?: Uint8Array): Float32Array {
  let [sum, count] = [0, 0];
  for (let i = 0; i < values.length; i++) if (!valid || valid[i]) {
    sum += values[i]!;
    count++;
  }
  const mean = count > 0 ? sum / count : 0;
  let squares = 0;
  for (let i = 0; i < values.length; i++) if (!valid || valid[i]) squares += (values[i]! - mean) ** 2;
  const sd = count > 0 ? Math.sqrt(squares / count) : 0;
  const scale = sd > 1e-12 ? 1 / sd : 0;
  return Float32Array.from(values, (v, i) => (!valid || valid[i] ? (v - mean) * scale : 0));
}

/** sum_k w_k z(cue_k); cues of weight 0 may be absent, a weighted cue that is absent is an error. */
export function fuseCues(planes: Partial<Record<CueName, Float32Array>>, weights: CueWeights, valid?: Uint8Array): Float32Array {
  let out: Float32Array | undefined;
  for (const name of CUE_NAMES) {
    const weight = weights[name] ?? 0;
    if (weight === 0) continue;
    const plane = planes[name];
    if (!plane) throw invalid(`the '${name}' cue`, `a fused map weighting it by ${weight}`, plane);
    const z = standardise(plane, valid);
    out ??= new Float32Array(z.length);
    for (let i = 0; i < z.length; i++) out[i]! += weight * z[i]!;
  }
  if (!out) throw invalid('at least one cue of non-zero weight', 'the fused map', weights);
  return out;
}

/** The fused map min-max scaled to [0, 1] over the valid pixels (invalid pixels 0): the soft map a run writes. */
export function toUnitRange(map: Float32Array, valid?: Uint8Array): Float32Array {
  let [min, max] = [Infinity, -Infinity];
  for (let i = 0; i < map.length; i++) if (!valid || valid[i]) {
    min = Math.min(min, map[i]!);
    max = Math.max(max, map[i]!);
  }
  const span = max > min ? max - min : 1;
  return Float32Array.from(map, (v, i) => (!valid || valid[i] ? (Number.isFinite(min) ? (v - min) / span : 0) : 0));
}
