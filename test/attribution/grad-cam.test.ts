import { describe, expect, it } from 'vitest';
import { gradCamMap, layerGradCams, normaliseMinMax, upsampleByRepeat } from '../../src/attribution/index.js';
import { InvalidArgumentError, createScalarMap } from '../../src/core/index.js';

// A toy layer with known activations: two channels on a 2x2 map, constant gradients 0.5 and -1, so the
// channel weights are 0.5 and -1 and the map is 0.5 A0 - A1 = [[0.5, 0], [0, -2]].
const toy = {
  activation: Float32Array.from([1, 0, 0, 0, /* channel 1 */ 0, 0, 0, 2]),
  gradient: Float32Array.from([0.5, 0.5, 0.5, 0.5, -1, -1, -1, -1]),
  channels: 2, rows: 2, cols: 2,
};

describe('Grad-CAM from activations and gradients', () => {
  it('weights each channel by its mean gradient, with ReLU only when asked', () => {
    expect([...gradCamMap(toy).data]).toEqual([0.5, 0, 0, -2]);
    expect([...gradCamMap(toy, { relu: true }).data]).toEqual([0.5, 0, 0, 0]);
  });

  it('uses the spatial mean of a varying gradient, not the gradient pixel by pixel', () => {
    const layer = { ...toy, gradient: Float32Array.from([2, 0, 0, 0, 0, 0, 0, 0]) }; // channel 0 weight 0.5, channel 1 weight 0
    expect([...gradCamMap(layer).data]).toEqual([0.5, 0, 0, 0]);
  });

  it('min-max normalises with the 1e-12 guard (a constant map becomes zeros) and repeats pixels to upsample', () => {
    expect([...normaliseMinMax(createScalarMap(2, 2, Float32Array.from([0.5, 0, 0, -2]))).data].map((v) => Number(v.toFixed(6)))).toEqual([1, 0.8, 0.8, 0]);
    expect([...normaliseMinMax(createScalarMap(1, 2, Float32Array.from([3, 3]))).data]).toEqual([0, 0]);
    expect([...upsampleByRepeat(createScalarMap(1, 2, Float32Array.from([1, 2])), 2, 4).data]).toEqual([1, 1, 2, 2, 1, 1, 2, 2]);
    expect(() => upsampleByRepeat(createScalarMap(2, 2), 3, 4)).toThrow(InvalidArgumentError);
  });

  it("gives MICRA-Net's per-layer maps: ReLU on the last layer only, normalised, at the input size", () => {
    const [first, last] = layerGradCams([toy, toy], 4, 4);
    expect([...first!.data.subarray(0, 4)].map((v) => Number(v.toFixed(6)))).toEqual([1, 1, 0.8, 0.8]);
    expect([...first!.data.subarray(12)].map((v) => Number(v.toFixed(6)))).toEqual([0.8, 0.8, 0, 0]);
    expect([...last!.data.subarray(0, 4)].map((v) => Number(v.toFixed(6)))).toEqual([1, 1, 0, 0]);
  });

  it('refuses arrays that do not match the stated shape', () => {
    expect(() => gradCamMap({ ...toy, channels: 3 })).toThrow(/expected 12 values \(3x2x2\) for the Grad-CAM activation/);
  });
});
