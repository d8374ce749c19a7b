/**
 * Progress is a typed event handed to a callback. Events of one stage never go backwards:
 * `done` only grows, and never passes `total`.
 */
export interface ProgressEvent {
  readonly stage: string;
  readonly done: number;
  readonly total: number;
  readonly message?: string;
}

export type ProgressCallback = (event: ProgressEvent) => void;

export interface ProgressTracker {
  /** Mark `count` more units done (default 1). */
  advance(count?: number, message?: string): void;
  /** Jump to an absolute count; ignored when it would go backwards. */
  set(done: number, message?: string): void;
  readonly done: number;
}

export function createProgressTracker(stage: string, total: number, callback?: ProgressCallback): ProgressTracker {
  let done = 0;
  const emit = (message?: string): void => {
    callback?.(message === undefined ? { stage, done, total } : { stage, done, total, message });
  };
  return {
    advance(count = 1, message) {
      done = Math.min(total, done + count);
      emit(message);
    },
    set(value, message) {
      if (value < done) return;
      done = Math.min(total, value);
      emit(message);
    },
    get done() {
      return done;
    },
  };
}
