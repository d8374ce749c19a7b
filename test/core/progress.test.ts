import { describe, expect, it } from 'vitest';
import { createProgressTracker, type ProgressEvent } from '../../src/core/index.js';

describe('createProgressTracker', () => {
  it('never goes backwards and never passes the total', () => {
    const events: ProgressEvent[] = [];
    const tracker = createProgressTracker('test', 3, (e) => events.push(e));
    tracker.advance();
    tracker.set(0);
    tracker.advance(5);
    expect(events.map((e) => e.done)).toEqual([1, 3]);
    expect(tracker.done).toBe(3);
  });
});
