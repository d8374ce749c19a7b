/**
 * Grad-CAM (Selvaraju et al., "Grad-CAM: Visual Explanations from Deep Networks via Gradient-based
 * Localization", ICCV 2017) from plain arrays, so this stage needs no model: the channel weights are the
 * spatial means of the gradient, the map is the weighted sum of the activations. `layerGradCams` is
 * MICRA-Net's per-layer variant (Bilodeau et al. 2022, gradCAM.class_activation_map): one map per conv
 * layer, ReLU on the last layer's only, each min-max normalised (+1e-12) and upsampled by repetition
 * (nearest neighbour) to the input size.
 *
 * Shapes (one image, row-major): activation and gradient [channels, rows, cols].
 */
import { createScalarMap, ensure, ensureInteger, type ScalarMap } from '../core/index.js';

export interface LayerTensors {
  readonly activation: Float32Array;
  readonly gradient: Float32Array;
  readonly channels: number;
  readonly rows: number;
  readonly cols: number;
}

/**
 * sum_k alpha_k A_k with alpha_k = mean over (rows, cols) of dY/dA_k; with `relu`, max(0, .) as in the
 * paper. An all-zero gradient gives a map of zeros.
 *
 * @example gradCamMap({ activation, gradient, channels: 256, rows: 32, cols: 32 }) // 32 x 32
 */
export function gradCamMap(layer: LayerTensors, options: { relu?: boolean } = {}): ScalarMap {
  const { channels, rows, cols } = layer;
  ensureInteger(channels, 'the Grad-CAM channels', { min: 1 });
  const plane = ensureInteger(rows, 'the Grad-CAM rows', { min: 1 }) * ensureInteger(cols, 'the Grad-CAM cols', { min: 1 });
  ensure(layer.activation.length === channels * plane, `${channels * plane} values (${channels}x${rows}x${cols})`, 'the Grad-CAM activation', layer.activation);
  ensure(layer.gradient.length === channels * plane, `${channels * plane} values (${channels}x${rows}x${cols})`, 'the Grad-CAM gradient', layer.gradient);
  const map = new Float64Array(plane);
  for (let k = 0; k < channels; k++) {
    let alpha = 0;
    for (let i = 0; i < plane; i++) alpha += layer.gradient[k * plane + i]!;
    alpha /= plane;
    if (alpha === 0) continue;
    for (let i = 0; i < plane; i++) map[i] = map[i]! + alpha * layer.activation[k * plane + i]!;
  }
  const out = createScalarMap(rows, cols, Float32Array.from(map));
  if (options.relu) for (let i = 0; i < plane; i++) out.data[i] = Math.max(0, out.data[i]!);
  return out;
}

/** (x - min) / (max - min + epsilon); a constant map becomes zeros. */
export function normaliseMinMax(map: ScalarMap, epsilon = 1e-12): ScalarMap {
  let min = Infinity;
  let max = -Infinity;
  for (const value of map.data) {
    if (value < min) min = value;
    if (value > max) max = value;
  }
  return createScalarMap(map.rows, map.cols, map.data.map((value) => (value - min) / (max - min + epsilon)));
}

/** Nearest-neighbour upsampling by whole factors (numpy's repeat along both axes). */
export function upsampleByRepeat(map: ScalarMap, rows: number, cols: number): ScalarMap {
  ensure(rows % map.rows === 0 && cols % map.cols === 0, `a size that is a multiple of ${map.rows}x${map.cols}`, 'the upsampled map', `${rows}x${cols}`);
  const [fy, fx] = [rows / map.rows, cols / map.cols];
  const out = createScalarMap(rows, cols);
  for (let y = 0; y < rows; y++) {
    const source = Math.floor(y / fy) * map.cols;
    for (let x = 0; x < cols; x++) out.data[y * cols + x] = map.data[source + Math.floor(x / fx)]!;
  }
  return out;
}

/**
 * MICRA-Net's Grad-CAM per layer for one image and one class: gradCamMap of each layer (ReLU on the last
 * one only), min-max normalised, upsampled to rows x cols; in the layers' order.
 */
export function layerGradCams(layers: readonly LayerTensors[], rows: number, cols: number): ScalarMap[] {
  ensure(layers.length > 0, 'at least one layer', 'the Grad-CAM layers', layers);
  return layers.map((layer, k) => upsampleByRepeat(normaliseMinMax(gradCamMap(layer, { relu: k === layers.length - 1 })), rows, cols));
}
