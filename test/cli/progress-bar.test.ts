import { describe, expect, it } from 'vitest';
import { createProgressBar } from '../../src/cli/progress-bar.js';
import { fakeIo } from '../helpers/fake-io.js';

describe('createProgressBar (non-interactive)', () => {
  it('throttles a stage inside the interval but prints an outer stage\'s message between inner events and every finished stage', () => {
    const io = fakeIo();
    const progress = createProgressBar(io, { minIntervalMs: 60_000 });
    progress({ stage: 'fine-tune epoch 1', done: 1, total: 4 });
    progress({ stage: 'fine-tune epoch 1', done: 2, total: 4 });
    progress({ stage: 'fine-tune epoch 1', done: 4, total: 4 });
    progress({ stage: 'fine-tune', done: 1, total: 3, message: 'epoch 1: train loss 0.5000' });
    progress({ stage: 'train-head', done: 1, total: 9, message: 'epoch 1' });
    progress({ stage: 'train-head', done: 2, total: 9, message: 'epoch 2' });
    const lines = io.err().trim().split('\n');
    expect(lines.map((line) => line.split(' [')[0])).toEqual(['fine-tune epoch 1', 'fine-tune epoch 1', 'fine-tune', 'train-head']);
    expect(lines[2]).toMatch(/^fine-tune \[#{8}\.{16}\] 1\/3 .* epoch 1: train loss 0\.5000$/);
  });
});
