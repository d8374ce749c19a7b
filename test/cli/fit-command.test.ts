import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../src/core/index.js';
import type { ParsedArgs } from '../../src/cli/command.js';
import { fitCommand, parseCueWeights } from '../../src/cli/commands/student/fit.js';
import { makeTempDir } from '../data/synthetic.js';
import { writeTinyVitSafetensors } from '../helpers/tiny-vit-weights.js';
import { fakeIo } from '../helpers/fake-io.js';

const args = (values: ParsedArgs['values']): ParsedArgs => ({ positionals: [], values });
let weights: string;
let data: string;

beforeAll(async () => {
  weights = await writeTinyVitSafetensors(join(await makeTempDir('fit-cli-weights-'), 'tiny.safetensors'));
  data = await makeTempDir('fit-cli-data-');
}, 60_000);

describe('explainseg fit flags', () => {
  it('reads cue weights as NAME=WEIGHT pairs', () => {
    expect(parseCueWeights('student=1, prior=0.5,contrast=1', '--cues')).toEqual({ student: 1, prior: 0.5, contrast: 1 });
    expect(() => parseCueWeights('prior', '--cues')).toThrow(/NAME=WEIGHT pairs separated by commas for --cues but received 'prior'/);
    expect(() => parseCueWeights('prior=much', '--cues')).toThrow(InvalidArgumentError);
  });

  it.each([
    [{ cues: 'shape=1' }, /one of student, teacher, prior, contrast, darkness, smoothness, haematoxylin for a cue name of the inference cues but received 'shape'/],
    [{ cues: 'objectness=1' }, /for a cue name of the inference cues but received 'objectness'/],
    [{ 'teacher-cues': 'student=1' }, /a cue name of the teacher cues but received 'student'/],
    [{ cues: 'prior=0' }, /at least one non-zero weight for the inference cues/],
    [{ cut: 'half' }, /'otsu' or a fraction in \(0, 1\) for --cut but received 'half'/],
    [{ cut: '1.5' }, /the cut \('otsu' or a fraction\)/],
  ])('refuses %j before any work, writing nothing', async (extra, message) => {
    const out = join(await makeTempDir('fit-cli-out-'), 'model');
    const attempt = fitCommand.run(args({ dataset: 'ph2', data, weights, out, ...extra }), fakeIo());
    await expect(attempt).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(attempt).rejects.toThrow(message);
    expect(existsSync(out)).toBe(false);
  });
});

describe('explainseg fit --method micranet', () => {
  it.each([
    [{ method: 'micranet', cues: 'prior=1' }, /no student flag with --method micranet for --cues/],
    [{ method: 'micranet', weights: 'x.pth' }, /no student flag with --method micranet for --weights/],
    [{ method: 'micranet', 'input-size': '100' }, /a multiple of 8 for the MICRA-Net input size/],
    [{ method: 'micranet', epochs: 'many' }, /--epochs/],
    [{ epochs: '3' }, /this flag only with --method micranet for --epochs/],
    [{ method: 'cnn' }, /one of student, micranet for --method but received 'cnn'/],
  ])('refuses %j before any work, writing nothing', async (extra, message) => {
    const out = join(await makeTempDir('fit-cli-out-'), 'model');
    const attempt = fitCommand.run(args({ dataset: 'ph2', data, ...(extra.method === 'micranet' ? {} : { weights }), out, ...extra }), fakeIo());
    await expect(attempt).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(attempt).rejects.toThrow(message);
    expect(existsSync(out)).toBe(false);
  });
});
