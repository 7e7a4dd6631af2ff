import { describe, expect, it } from 'vitest';
import { isoTime } from '../../src/events/index.js';
import { nanosHeader, unixMicros } from '../../src/proxy/clock.js';

describe('clock', () => {
  it('prints Unix microseconds as nanoseconds, zero-padded inside the second', () => {
    for (const micros of [1_733_110_653_123_456, 1_733_110_653_000_001, 1_733_110_653_999_999, 1_733_110_653_000_000, 0, 999_999]) {
      expect(nanosHeader(micros)).toBe(`${micros}000`);
    }
  });

  it('gives the same text as Date.toISOString, also across second boundaries and for fractions', () => {
    const start = Date.UTC(2026, 11, 31, 23, 59, 58, 990);
    for (let ms = start; ms < start + 2_100; ms += 7) expect(isoTime(ms)).toBe(new Date(ms).toISOString());
    for (const ms of [0, 1, 999, 1000, 1_733_110_653_999.7, Date.now()]) expect(isoTime(ms)).toBe(new Date(Math.floor(ms)).toISOString());
    // Going back in time (another exchange's start) is not served from the later second's text.
    expect(isoTime(start + 5_000)).toBe(new Date(start + 5_000).toISOString());
    expect(isoTime(start)).toBe(new Date(start).toISOString());
  });

  it('reads the wall clock in microseconds', () => {
    const before = Date.now() * 1000;
    const now = unixMicros();
    expect(Number.isInteger(now)).toBe(true);
    expect(Math.abs(now - before)).toBeLessThan(5_000_000);
  });
});
