import { InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import { numberBetween } from '../../src/cli/option-parsers.js';

describe('numberBetween', () => {
  const temperature = numberBetween(0, 2);

  it.each([
    ['0', 0],
    ['0.7', 0.7],
    ['2', 2],
  ])('accepts %s', (text, value) => {
    expect(temperature(text)).toBe(value);
  });

  it.each(['-0.1', '2.01', 'warm', '', ' ', 'NaN', 'Infinity'])('refuses %j', (text) => {
    expect(() => temperature(text)).toThrow(InvalidArgumentError);
  });
});
