import { describe, expect, it } from 'vitest';
import type { UsageCountsResponse, UsageResponse } from '../../src/manage-client/index.js';
import { bar, formatBarChart } from '../../src/cli/manage/usage-chart.js';
import { formatUsage } from '../../src/cli/manage/usage.js';
import { resolveUsageWhen, usageWhen } from '../../src/cli/manage/usage-when.js';

function counts(partial: Partial<UsageCountsResponse> = {}): UsageCountsResponse {
  return {
    requests: 0,
    errors: 0,
    cache_hits: 0,
    upstream_calls: 0,
    upstream_ms_avg: null,
    prompt_tokens: 0,
    completion_tokens: 0,
    cached_tokens: 0,
    reasoning_tokens: 0,
    total_tokens: 0,
    estimated_calls: 0,
    ...partial,
  };
}

const report: UsageResponse = {
  granularity: 'day',
  from: '2026-11-30T00:00:00.000Z',
  to: '2026-12-03T00:00:00.000Z',
  project_id: null,
  token_id: null,
  buckets: [
    { start: '2026-11-30T00:00:00.000Z', ...counts({ requests: 4, errors: 1, upstream_calls: 4, upstream_ms_avg: 120.5, prompt_tokens: 300, completion_tokens: 100, total_tokens: 400 }) },
    { start: '2026-12-01T00:00:00.000Z', ...counts() },
    { start: '2026-12-02T00:00:00.000Z', ...counts({ requests: 2, cache_hits: 1, upstream_calls: 1, upstream_ms_avg: 80, prompt_tokens: 150, completion_tokens: 50, total_tokens: 200, estimated_calls: 1 }) },
  ],
  totals: counts({ requests: 6, errors: 1, cache_hits: 1, upstream_calls: 5, upstream_ms_avg: 112.4, prompt_tokens: 450, completion_tokens: 150, total_tokens: 600, estimated_calls: 1 }),
  projects: [
    { project_id: 'p-1', project_name: 'alpha', ...counts({ requests: 5, total_tokens: 550 }) },
    { project_id: 'p-2', project_name: null, ...counts({ requests: 1, total_tokens: 50 }) },
  ],
};

describe('manage usage output', () => {
  it('prints a table by day with a total line, a chart of total tokens and the projects', () => {
    expect(formatUsage(report, Infinity)).toBe(
      [
        'Usage of all projects, 2026-11-30 to 2026-12-02 (UTC, by day)',
        '',
        'DAY (UTC)   REQUESTS  ERRORS  CACHE HITS  PROMPT  COMPLETION  TOTAL TOKENS  UPSTREAM AVG',
        '2026-11-30         4       1           0     300         100           400      120.5 ms',
        '2026-12-01         0       0           0       0           0             0             -',
        '2026-12-02         2       0           1     150          50           200         80 ms',
        'TOTAL              6       1           1     450         150           600      112.4 ms',
        '',
        'Total tokens per day',
        `2026-11-30  ${'█'.repeat(40)}  400`,
        `2026-12-01  ${' '.repeat(40)}    0`,
        `2026-12-02  ${'█'.repeat(20)}${' '.repeat(20)}  200`,
        '',
        'By project',
        'PROJECT  NAME       REQUESTS  ERRORS  CACHE HITS  TOTAL TOKENS',
        'p-1      alpha             5       0           0           550',
        'p-2      (deleted)         1       0           0            50',
        '',
        '1 call(s) were cut before the provider reported usage: their token counts are estimates.',
        '',
      ].join('\n'),
    );
  });

  it('charts requests when no call reported tokens, and says when there is nothing', () => {
    const noTokens: UsageResponse = {
      ...report,
      project_id: 'p-1',
      token_id: 't-1',
      buckets: report.buckets.map((bucket) => ({ ...bucket, prompt_tokens: 0, completion_tokens: 0, total_tokens: 0, estimated_calls: 0 })),
      totals: { ...report.totals, prompt_tokens: 0, completion_tokens: 0, total_tokens: 0, estimated_calls: 0 },
      projects: undefined,
    };
    const text = formatUsage(noTokens, Infinity);
    expect(text).toMatch(/^Usage of project p-1, token t-1, /);
    expect(text).toContain(`\nRequests per day\n2026-11-30  ${'█'.repeat(40)}  4\n`);
    expect(text).not.toContain('By project');
    const empty = formatUsage({ ...noTokens, buckets: noTokens.buckets.map((bucket) => ({ ...bucket, ...counts() })), totals: counts() }, Infinity);
    expect(empty).toMatch(/TOTAL\s+0\s+0\s+0\s+0\s+0\s+0\s+-\n\nNo usage recorded in this range\.\n$/);
  });

  it('fits the width given, dropping the least useful columns first and narrowing the bars', () => {
    const narrow = formatUsage(report, 60);
    // Tables and bars fit; the heading and the closing note are sentences, wrapped by the terminal.
    const lines = narrow.trimEnd().split('\n').slice(1, -1);
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(60);
    expect(narrow).toMatch(/^DAY \(UTC\)\s+REQUESTS\s+ERRORS\s+CACHE HITS\s+TOTAL TOKENS$/m);
    expect(narrow).toContain(`2026-11-30  ${'█'.repeat(43)}  400`);
  });

  it('draws bars in eighths, at least one eighth for any value above 0', () => {
    expect(bar(1, 1000, 10)).toBe('▏');
    expect(bar(0, 1000, 10)).toBe('');
    expect(bar(500, 1000, 10)).toBe('█████');
    expect(bar(515, 1000, 10)).toBe('█████▏');
    expect(bar(1000, 1000, 10)).toBe('██████████');
    expect(formatBarChart([{ label: 'a', value: 3 }], Infinity)).toBe(`a  ${'█'.repeat(40)}  3\n`);
  });
});

describe('--since and --until', () => {
  const now = new Date('2026-12-02T05:17:33.000Z');

  it('takes durations and ISO dates or times', () => {
    expect(usageWhen('7d')).toEqual({ agoMs: 7 * 86_400_000 });
    expect(usageWhen('2w')).toEqual({ agoMs: 14 * 86_400_000 });
    expect(usageWhen('90m')).toEqual({ agoMs: 90 * 60_000 });
    expect(usageWhen('2026-11-01')).toEqual({ at: new Date('2026-11-01T00:00:00.000Z') });
    expect(usageWhen('2026-11-01T12:00:00+02:00')).toEqual({ at: new Date('2026-11-01T10:00:00.000Z') });
    for (const bad of ['yesterday', '7', '0d', '-1d', '7days', '2026-11-01T12:00', '2026-02-30']) {
      expect(() => usageWhen(bad)).toThrow(/expected a duration such as 90m, 24h, 7d or 2w, or an ISO 8601 date or time/);
    }
  });

  it('counts a duration back from the end of the last bucket: 7d by day is 7 whole days, today the last', () => {
    expect(resolveUsageWhen(usageWhen('7d'), undefined, 'day', now)).toEqual({ from: new Date('2026-11-26T00:00:00.000Z'), to: now });
    expect(resolveUsageWhen(usageWhen('3h'), undefined, 'hour', now)).toEqual({ from: new Date('2026-12-02T03:00:00.000Z'), to: now });
    expect(resolveUsageWhen(usageWhen('7d'), usageWhen('2026-11-15'), 'day', now)).toEqual({
      from: new Date('2026-11-08T00:00:00.000Z'),
      to: new Date('2026-11-15T00:00:00.000Z'),
    });
    expect(resolveUsageWhen(usageWhen('2026-11-01'), usageWhen('1d'), 'day', now)).toEqual({
      from: new Date('2026-11-01T00:00:00.000Z'),
      to: new Date('2026-12-01T05:17:33.000Z'),
    });
  });
});
