import { InvalidArgumentError } from 'commander';
import { parseDurationMs } from '../config/index.js';

/** Longest token lifetime the management API accepts: one year. */
export const MAX_TOKEN_HOURS = 24 * 365;

/** Why a token lifetime in hours is not acceptable, or undefined. */
export function hoursProblem(text: string): string | undefined {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value <= 0) return 'expected a positive number of hours';
  if (value > MAX_TOKEN_HOURS) return `expected at most ${MAX_TOKEN_HOURS} hours (one year)`;
  return undefined;
}

/** A token lifetime in hours: positive, at most one year. */
export function hoursParser(text: string): number {
  const problem = hoursProblem(text);
  if (problem !== undefined) throw new InvalidArgumentError(`${problem}.`);
  return Number(text);
}

export function positiveInteger(text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0) throw new InvalidArgumentError('expected a positive whole number.');
  return value;
}

export function nonNegativeInteger(text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0) throw new InvalidArgumentError('expected a whole number, 0 or more.');
  return value;
}

/** A parser for a number between `min` and `max`, both included. */
export function numberBetween(min: number, max: number): (text: string) => number {
  return (text) => {
    const value = Number(text);
    if (text.trim() === '' || !Number.isFinite(value) || value < min || value > max) {
      throw new InvalidArgumentError(`expected a number from ${min} to ${max}.`);
    }
    return value;
  };
}

/** `30s`, `2m`, `1m30s`, `500ms`, or a bare number of seconds; returns milliseconds. */
export function positiveDurationMs(text: string): number {
  const value = parseDurationMs(text);
  if (value === undefined || value <= 0) throw new InvalidArgumentError('expected a duration such as 30s, 2m, 1m30s or 500ms.');
  return value;
}
