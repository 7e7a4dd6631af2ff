import { describe, expect, it } from 'vitest';
import { SampleSet, percentile, summarize, summarizeSorted } from '../../src/benchmark/index.js';

function range(from: number, to: number): Float64Array {
  return Float64Array.from({ length: to - from + 1 }, (_, index) => from + index);
}

describe('percentile (nearest rank)', () => {
  it.each([
    [range(1, 10), 50, 5],
    [range(1, 10), 90, 9],
    [range(1, 10), 95, 10],
    [range(1, 10), 99, 10],
    [range(1, 100), 50, 50],
    [range(1, 100), 90, 90],
    [range(1, 100), 95, 95],
    [range(1, 100), 99, 99],
    [range(1, 100), 100, 100],
    [range(1, 1000), 99, 990],
    [range(1, 20), 95, 19],
    [Float64Array.of(7), 50, 7],
    [Float64Array.of(7), 99, 7],
    [Float64Array.of(1, 2), 50, 1],
    [Float64Array.of(1, 2), 51, 2],
  ])('of %s at p%d is %d', (sorted, percent, expected) => {
    expect(percentile(sorted, percent)).toBe(expected);
  });
});

describe('summarizeSorted', () => {
  it('is null without samples', () => {
    expect(summarizeSorted(new Float64Array(0))).toBeNull();
  });

  it('gives exact figures for 1..100', () => {
    expect(summarizeSorted(range(1, 100))).toEqual({ count: 100, min: 1, mean: 50.5, p50: 50, p90: 90, p95: 95, p99: 99, max: 100 });
  });

  it('gives exact figures for a skewed series', () => {
    // 95 fast samples and 5 slow ones: p95 is still fast, p99 is slow.
    const values = [...Array.from({ length: 95 }, () => 2), 100, 200, 300, 400, 500];
    expect(summarizeSorted(Float64Array.from(values))).toEqual({
      count: 100,
      min: 2,
      mean: (95 * 2 + 1500) / 100,
      p50: 2,
      p90: 2,
      p95: 2,
      p99: 400,
      max: 500,
    });
  });
});

describe('SampleSet and summarize', () => {
  it('keeps every sample past its initial capacity, and sorts them', () => {
    const set = new SampleSet();
    for (let value = 5000; value >= 1; value--) set.add(value);
    expect(set.count).toBe(5000);
    const sorted = set.sorted();
    expect(sorted.length).toBe(5000);
    expect(sorted[0]).toBe(1);
    expect(sorted[4999]).toBe(5000);
    expect(summarize(set)).toMatchObject({ count: 5000, min: 1, p50: 2500, p99: 4950, max: 5000 });
  });

  it('summarizes the union of several sets', () => {
    const odd = new SampleSet();
    const even = new SampleSet();
    for (let value = 1; value <= 100; value++) (value % 2 === 0 ? even : odd).add(value);
    expect(summarize(odd, even)).toEqual({ count: 100, min: 1, mean: 50.5, p50: 50, p90: 90, p95: 95, p99: 99, max: 100 });
    expect(summarize(new SampleSet(), even)).toMatchObject({ count: 50, min: 2, max: 100 });
    expect(summarize(new SampleSet(), new SampleSet())).toBeNull();
  });
});
