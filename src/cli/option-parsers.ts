import { InvalidArgumentError } from 'commander';
import { parseDurationMs } from '../config/index.js';

export function positiveNumber(text: string): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) throw new InvalidArgumentError('expected a positive number.');
  return value;
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
