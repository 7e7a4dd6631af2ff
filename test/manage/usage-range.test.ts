import { describe, expect, it } from 'vitest';
import { bucketCeil, bucketFloor, resolveUsageRange, type UsageRangeRequest } from '../../src/manage/usage-range.js';

const now = new Date('2026-12-02T05:17:33.123Z');
const at = (iso: string) => new Date(iso);

describe('usage query ranges', () => {
  it.each<[string, UsageRangeRequest, unknown]>([
    ['default by day: 7 whole days, today the last', { granularity: 'day' }, { from: at('2026-11-26T00:00:00.000Z'), to: at('2026-12-03T00:00:00.000Z'), buckets: 7 }],
    ['default by hour: 168 hours, this one the last', { granularity: 'hour' }, { from: at('2026-11-25T06:00:00.000Z'), to: at('2026-12-02T06:00:00.000Z'), buckets: 168 }],
    ['aligned dates stay as they are', { granularity: 'day', from: at('2026-11-01'), to: at('2026-12-01') }, { from: at('2026-11-01'), to: at('2026-12-01'), buckets: 30 }],
    ['times inside buckets widen to whole ones', { granularity: 'hour', from: at('2026-12-01T10:30:00Z'), to: at('2026-12-01T11:30:00Z') }, { from: at('2026-12-01T10:00:00Z'), to: at('2026-12-01T12:00:00Z'), buckets: 2 }],
    ['only to: the 7 days before it', { granularity: 'day', to: at('2026-11-01') }, { from: at('2026-10-25'), to: at('2026-11-01'), buckets: 7 }],
    ['only from: up to now', { granularity: 'day', from: at('2026-12-01T23:00:00Z') }, { from: at('2026-12-01'), to: at('2026-12-03'), buckets: 2 }],
    ['366 days by day is the most', { granularity: 'day', from: at('2025-01-01'), to: at('2026-01-02') }, { buckets: 366 }],
    ['31 days by hour is the most', { granularity: 'hour', from: at('2026-01-01'), to: at('2026-02-01') }, { buckets: 744 }],
  ])('%s', (_name, request, expected) => {
    expect(resolveUsageRange(request, now)).toMatchObject(expected as object);
  });

  it.each<[string, UsageRangeRequest, unknown]>([
    ['from after to', { granularity: 'day', from: at('2026-03-01'), to: at('2026-02-01') }, { kind: 'empty' }],
    ['from equal to to', { granularity: 'day', from: at('2026-03-01'), to: at('2026-03-01') }, { kind: 'empty' }],
    ['from in the future', { granularity: 'day', from: at('2027-01-01') }, { kind: 'empty' }],
    ['367 days by day', { granularity: 'day', from: at('2025-01-01'), to: at('2026-01-03') }, { kind: 'too-long', buckets: 367, maxBuckets: 366 }],
    ['a month and an hour by hour', { granularity: 'hour', from: at('2026-01-01'), to: at('2026-02-01T00:00:01Z') }, { kind: 'too-long', buckets: 745, maxBuckets: 744 }],
  ])('refuses %s', (_name, request, expected) => {
    expect(resolveUsageRange(request, now)).toMatchObject(expected as object);
  });

  it('aligns to UTC hours and days', () => {
    const ms = now.getTime();
    expect(new Date(bucketFloor(ms, 'day')).toISOString()).toBe('2026-12-02T00:00:00.000Z');
    expect(new Date(bucketCeil(ms, 'hour')).toISOString()).toBe('2026-12-02T06:00:00.000Z');
    expect(bucketCeil(Date.parse('2026-12-02T00:00:00Z'), 'day')).toBe(Date.parse('2026-12-02T00:00:00Z'));
  });
});
