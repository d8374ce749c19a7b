import { describe, expect, it } from 'vitest';
import { WeightsError } from '../../src/core/errors.js';
import { encodeSafetensors, float32Entry, parseSafetensors } from '../../src/backbone/weights/index.js';

describe('parseSafetensors on a cut-off download', () => {
  it('says once that the file is truncated instead of listing every tensor past the end', () => {
    const entries = new Map(['a', 'b', 'c'].map((name) => [name, float32Entry({ shape: [4], data: new Float32Array(4).fill(1) })]));
    const whole = encodeSafetensors(entries);
    const cut = whole.subarray(0, whole.length - 40);
    let error: unknown;
    try {
      parseSafetensors(cut, 'w.safetensors');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(WeightsError);
    expect((error as WeightsError).problems).toEqual([
      'truncated: the header describes 48 data bytes but the file holds 8 (3 tensors reach past the end; was the download cut off?)',
    ]);
  });
});
