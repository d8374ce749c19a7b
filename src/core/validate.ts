import { InvalidArgumentError } from './errors.js';

/** Short, stable description of a received value for error messages. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'string') return `'${value.length > 60 ? `${value.slice(0, 57)}...` : value}'`;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (ArrayBuffer.isView(value)) return `a ${value.constructor.name} of length ${(value as unknown as ArrayLike<unknown>).length}`;
  if (typeof value === 'function') return 'a function';
  return `an object (${Object.prototype.toString.call(value).slice(8, -1)})`;
}

/** The one message format: "expected X for Y but received Z". */
export function invalid(expected: string, what: string, received: unknown): InvalidArgumentError {
  return new InvalidArgumentError(`expected ${expected} for ${what} but received ${describeValue(received)}`);
}

export function ensure(condition: boolean, expected: string, what: string, received: unknown): void {
  if (!condition) throw invalid(expected, what, received);
}

export function ensureInteger(value: unknown, what: string, range: { min?: number; max?: number } = {}): number {
  const { min = -Infinity, max = Infinity } = range;
  const ok = typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
  ensure(ok, `an integer${rangeText(min, max)}`, what, value);
  return value as number;
}

export function ensureNumber(value: unknown, what: string, range: { min?: number; max?: number } = {}): number {
  const { min = -Infinity, max = Infinity } = range;
  const ok = typeof value === 'number' && Number.isFinite(value) && value >= min && value <= max;
  ensure(ok, `a finite number${rangeText(min, max)}`, what, value);
  return value as number;
}

/**
 * A number typed as text (a CLI flag): the message quotes the text as typed, so `--lr abc` reads
 * "expected a finite number ... for --lr but received 'abc'", never "received NaN". Empty text is not 0.
 */
export function parseNumberText(text: string, what: string, options: { integer?: boolean; min?: number; max?: number } = {}): number {
  const { integer = false, min = -Infinity, max = Infinity } = options;
  const value = text.trim() === '' ? Number.NaN : Number(text);
  const ok = Number.isFinite(value) && (!integer || Number.isInteger(value)) && value >= min && value <= max;
  ensure(ok, `${integer ? 'an integer' : 'a finite number'}${rangeText(min, max)}`, what, text);
  return value;
}

export function ensureOneOf<T extends string>(value: unknown, what: string, allowed: readonly T[]): T {
  ensure(typeof value === 'string' && (allowed as readonly string[]).includes(value), `one of ${allowed.join(', ')}`, what, value);
  return value as T;
}

function rangeText(min: number, max: number): string {
  if (min > -Infinity && max < Infinity) return ` in [${min}, ${max}]`;
  if (min > -Infinity) return ` >= ${min}`;
  if (max < Infinity) return ` <= ${max}`;
  return '';
}
