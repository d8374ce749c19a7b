import { WeightsError } from '../../core/errors.js';

/** A WeightsError with a single problem (the class takes a list, to report many at once). */
export function weightsProblem(file: string, problem: string, options?: { cause?: unknown }): WeightsError {
  return new WeightsError(file, [problem], options);
}
