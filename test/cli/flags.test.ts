import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../src/core/index.js';
import {
  choiceFlag, integerFlag, numberFlag, requiredStringFlag, stringFlag, weightsSearch, withoutEmptyFlags, type FlagValues,
} from '../../src/cli/flags.js';

const values: FlagValues = { name: 'x', empty: '', on: true, count: '3', half: '1.5', word: 'abc', negative: '-1', rate: '0.25' };

describe('string flags', () => {
  it.each([
    ['name', 'x'], ['empty', ''], ['on', undefined], ['absent', undefined],
  ])('stringFlag(%s) is %j', (name, expected) => {
    expect(stringFlag(values, name)).toBe(expected);
  });

  it('requiredStringFlag returns the text and rejects absent or empty flags naming the flag', () => {
    expect(requiredStringFlag(values, 'name')).toBe('x');
    expect(() => requiredStringFlag(values, 'absent')).toThrow(InvalidArgumentError);
    expect(() => requiredStringFlag(values, 'absent')).toThrow('expected a value for --absent but received undefined');
    expect(() => requiredStringFlag(values, 'empty')).toThrow("expected a value for --empty but received ''");
  });

  it('withoutEmptyFlags drops only empty strings', () => {
    expect(withoutEmptyFlags(values)).toEqual({ name: 'x', on: true, count: '3', half: '1.5', word: 'abc', negative: '-1', rate: '0.25' });
  });
});

describe('numeric flags', () => {
  it('integerFlag parses within the range, and falls back only when absent', () => {
    expect(integerFlag(values, 'count', { min: 1 })).toBe(3);
    expect(integerFlag(values, 'absent', { min: 1 })).toBeUndefined();
    expect(integerFlag(values, 'absent', { min: 1, fallback: 7 })).toBe(7);
    expect(integerFlag(values, 'count', { min: 1, fallback: 7 })).toBe(3);
    // An empty string is given, not absent, and it is not 0 either (Number('') would say so).
    expect(() => integerFlag(values, 'empty', { min: 0, fallback: 7 })).toThrow("expected an integer >= 0 for --empty but received ''");
  });

  it.each([
    ['half', { min: 1 }, "expected an integer >= 1 for --half but received '1.5'"],
    ['word', {}, "expected an integer for --word but received 'abc'"],
    ['negative', { min: 0 }, "expected an integer >= 0 for --negative but received '-1'"],
    ['count', { min: 0, max: 2 }, "expected an integer in [0, 2] for --count but received '3'"],
  ])('integerFlag(%s, %j) throws %s', (name, range, message) => {
    expect(() => integerFlag(values, name, range)).toThrow(InvalidArgumentError);
    expect(() => integerFlag(values, name, range)).toThrow(message);
  });

  it('numberFlag parses finite numbers within the range', () => {
    expect(numberFlag(values, 'rate', { min: 0 })).toBe(0.25);
    expect(numberFlag(values, 'absent')).toBeUndefined();
    expect(() => numberFlag(values, 'word')).toThrow("expected a finite number for --word but received 'abc'");
    expect(() => numberFlag(values, 'negative', { min: 0 })).toThrow("expected a finite number >= 0 for --negative but received '-1'");
  });

  it.each([
    ['abc'], ['1,5'], ['Infinity'], ['  '], ['0.1abc'],
  ])('reports %j as typed, never as NaN (issue 10, item 6)', (text) => {
    const message = (() => {
      try {
        numberFlag({ lr: text }, 'lr', { min: Number.MIN_VALUE });
        return 'no error';
      } catch (error) {
        return (error as Error).message;
      }
    })();
    expect(message).toContain(`for --lr but received '${text}'`);
    expect(message).not.toContain('NaN');
    expect(() => integerFlag({ seed: text }, 'seed')).toThrow(`for --seed but received '${text}'`);
  });
});

describe('choice and weights flags', () => {
  it('choiceFlag accepts an allowed word and names the flag otherwise', () => {
    expect(choiceFlag({ level: 'all' }, 'level', ['extended', 'all'] as const)).toBe('all');
    expect(choiceFlag({}, 'level', ['extended', 'all'] as const)).toBeUndefined();
    expect(() => choiceFlag({ level: 'max' }, 'level', ['extended', 'all'] as const)).toThrow("expected one of extended, all for --level but received 'max'");
  });

  it('weightsSearch takes --weights and the environment, leaving empty settings out', () => {
    expect(weightsSearch({ weights: 'w.pth' }, { EXPLAINSEG_WEIGHTS: 'e.pth', EXPLAINSEG_CACHE: '/c' })).toEqual({ flag: 'w.pth', env: 'e.pth', cache: '/c' });
    expect(weightsSearch({ weights: '' }, { EXPLAINSEG_WEIGHTS: '', EXPLAINSEG_CACHE: '' })).toEqual({});
    expect(weightsSearch({}, {})).toEqual({});
  });
});
