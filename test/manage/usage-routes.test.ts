import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UsageResponse } from '../../src/manage/index.js';
import { rawRequest } from '../support/http.js';
import { startHarness, type Harness } from '../support/proxy-harness.js';
import { openTestDatabase } from '../support/test-database.js';

interface ApiError {
  error: { message: string; type: string; code: string };
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const CACHEABLE = { 'cache-control': 'public, max-age=600' };

describe('GET /manage/usage through the real server', () => {
  let harness: Harness;
  let a: { token: string; tokenId: string; projectId: string };
  let a2: { token: string; tokenId: string };
  let b: { token: string; tokenId: string; projectId: string };
  /** UTC hours during which the calls were made (normally one). */
  const callHours = new Set<string>();

  /** One proxied call; resolves with its status and X-PROXY-CACHE header. */
  async function call(token: string, path: string, body: unknown, headers: Record<string, string> = {}) {
    const response = await rawRequest(harness.url, {
      method: 'POST',
      path,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
    return { status: response.status, cache: response.headers['x-proxy-cache'] };
  }
  const chat = (token: string, content: string, headers: Record<string, string> = {}) =>
    call(token, '/v1/chat/completions', { model: 'gpt-4o-mini', messages: [{ role: 'user', content }] }, headers);

  async function usage(query = ''): Promise<UsageResponse> {
    const response = await harness.manage<UsageResponse>('GET', `/manage/usage${query}`);
    expect(response.status).toBe(200);
    return response.body;
  }

  beforeAll(async () => {
    harness = await startHarness();
    a = await harness.issueToken();
    const second = await harness.manage<{ id: string; token: string }>('POST', '/manage/tokens', { project_id: a.projectId, duration_hours: 1 });
    a2 = { token: second.body.token, tokenId: second.body.id };
    b = await harness.issueToken({ projectName: 'usage-b' });

    callHours.add(new Date(Math.floor(Date.now() / HOUR_MS) * HOUR_MS).toISOString());
    // Project a, token a: 3 plain answers, a miss then 2 cache hits, 2 upstream 404s = 8 calls, 2 errors, 2 hits.
    for (let i = 0; i < 3; i++) expect((await chat(a.token, `plain ${i}`)).status).toBe(200);
    expect(await chat(a.token, 'cached', CACHEABLE)).toEqual({ status: 200, cache: 'miss' });
    expect(await chat(a.token, 'cached', CACHEABLE)).toEqual({ status: 200, cache: 'hit' });
    expect(await chat(a.token, 'cached', CACHEABLE)).toEqual({ status: 200, cache: 'hit' });
    for (let i = 0; i < 2; i++) expect((await call(a.token, '/v1/moderations', { input: 'x' })).status).toBe(404);
    // Project a, token a2: 2 calls. Project b: 1 call, 1 upstream error.
    for (let i = 0; i < 2; i++) expect((await chat(a2.token, `second token ${i}`)).status).toBe(200);
    expect((await chat(b.token, 'other project')).status).toBe(200);
    expect((await call(b.token, '/v1/moderations', { input: 'x' })).status).toBe(404);
    // Refused before any token was known: not in the per-project ledger.
    expect((await chat('sk-not-a-withering-token', 'nobody')).status).toBe(401);
    callHours.add(new Date(Math.floor(Date.now() / HOUR_MS) * HOUR_MS).toISOString());

    // The event of a call is recorded once its response is over, which can trail the client's last byte.
    for (let attempt = 0; attempt < 100 && (await usage()).totals.requests < 12; attempt++) await sleep(20);
  });
  afterAll(() => harness.close());

  it('counts every call of every token by day, with errors, cache hits and upstream time; by project too', async () => {
    const report = await usage();
    expect(report.granularity).toBe('day');
    expect(report.buckets).toHaveLength(7);
    const today = new Date(Math.floor(Date.now() / DAY_MS) * DAY_MS).toISOString();
    expect(report.buckets.at(-1)?.start).toBe(today);
    expect(report.to).toBe(new Date(Date.parse(today) + DAY_MS).toISOString());
    expect(report.from).toBe(new Date(Date.parse(today) - 6 * DAY_MS).toISOString());
    expect(report.buckets.slice(0, -1).every((bucket) => bucket.requests === 0 && bucket.upstream_ms_avg === null)).toBe(true);
    expect(report.totals).toMatchObject({ requests: 12, errors: 3, cache_hits: 2, upstream_calls: 10, estimated_calls: 0 });
    expect(report.totals.upstream_ms_avg).toBeGreaterThan(0);
    expect(report.buckets.at(-1)).toMatchObject({ ...report.totals, start: today });
    expect([report.project_id, report.token_id]).toEqual([null, null]);

    expect(report.projects).toEqual([
      expect.objectContaining({ project_id: a.projectId, project_name: expect.stringMatching(/^project-/), requests: 10, errors: 2, cache_hits: 2, upstream_calls: 8 }),
      expect.objectContaining({ project_id: b.projectId, project_name: 'usage-b', requests: 2, errors: 1, cache_hits: 0, upstream_calls: 2 }),
    ]);
  });

  it('counts by hour, in the hour the calls were made, and filters by project and by token', async () => {
    const byHour = await usage(`?granularity=hour&project_id=${a.projectId}`);
    expect(byHour.buckets).toHaveLength(7 * 24);
    const used = byHour.buckets.filter((bucket) => bucket.requests > 0);
    expect(used.every((bucket) => callHours.has(bucket.start))).toBe(true);
    expect(used.reduce((sum, bucket) => sum + bucket.requests, 0)).toBe(10);
    expect(byHour.totals).toMatchObject({ requests: 10, errors: 2, cache_hits: 2 });
    expect(byHour.projects).toBeUndefined(); // one project asked for: no breakdown

    expect((await usage(`?token_id=${a2.tokenId}`)).totals).toMatchObject({ requests: 2, errors: 0, cache_hits: 0, upstream_calls: 2 });
    expect((await usage(`?project_id=${a.projectId}&token_id=${a.tokenId}`)).totals).toMatchObject({ requests: 8, errors: 2, cache_hits: 2 });
    expect((await usage(`?project_id=${b.projectId}&token_id=${a.tokenId}`)).totals.requests).toBe(0);
  });

  it('takes from and to as ISO times with any zone, widened to whole buckets', async () => {
    const hour = Date.parse([...callHours][0] as string);
    const from = new Date(hour + 30 * 60_000).toISOString().replace('Z', '+00:00');
    // hour + 90 min, written in UTC+02:00
    const to = `${new Date(hour + 90 * 60_000 + 2 * HOUR_MS).toISOString().slice(0, 19)}+02:00`;
    const report = await usage(`?granularity=hour&from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`);
    expect([report.from, report.to]).toEqual([new Date(hour).toISOString(), new Date(hour + 2 * HOUR_MS).toISOString()]);
    expect(report.buckets.map((bucket) => bucket.start)).toEqual([new Date(hour).toISOString(), new Date(hour + HOUR_MS).toISOString()]);
    expect(report.totals.requests).toBe(12);
  });

  it('answers ranges before the calls with empty buckets', async () => {
    const report = await usage('?from=2026-01-01&to=2026-01-03');
    expect(report.buckets.map((bucket) => [bucket.start, bucket.requests])).toEqual([
      ['2026-01-01T00:00:00.000Z', 0],
      ['2026-01-02T00:00:00.000Z', 0],
    ]);
    expect(report.totals.requests).toBe(0);
    expect(report.projects).toEqual([]);
  });

  it('refuses bad times, empty and oversized ranges with 400 and the reason', async () => {
    const refusals = {
      '?from=yesterday': /querystring\.from: must be an ISO 8601 date or time with its zone/,
      '?from=2026-11-01T12:00:00': /querystring\.from: must be an ISO 8601 date or time with its zone/,
      '?from=2026-02-30': /querystring\.from/,
      '?granularity=week': /querystring\.granularity/,
      '?from=2026-03-01&to=2026-02-01': /from \(2026-03-01T00:00:00\.000Z\) must be before to \(2026-02-01T00:00:00\.000Z\)/,
      '?from=2024-01-01&to=2026-01-01': /the range holds 731 days, more than the 366 a query with granularity=day may cover: narrow from\/to/,
      '?granularity=hour&from=2026-01-01&to=2026-03-01': /the range holds 1416 hours, more than the 744 .* use granularity=day or narrow from\/to/,
      '?project_id=': /querystring\.project_id: must not be empty/,
    };
    for (const [query, message] of Object.entries(refusals)) {
      const response = await harness.manage<ApiError>('GET', `/manage/usage${query}`);
      expect([query, response.status, response.body.error.code]).toEqual([query, 400, 'invalid_request']);
      expect(response.body.error.message).toMatch(message);
    }
    const longestDaily = await usage('?from=2025-01-01&to=2026-01-02');
    expect(longestDaily.buckets).toHaveLength(366);
  });

  it('answers 404 for a project or token that neither exists nor has usage', async () => {
    const project = await harness.manage<ApiError>('GET', '/manage/usage?project_id=no-such-project');
    expect([project.status, project.body.error.code]).toEqual([404, 'project_not_found']);
    const token = await harness.manage<ApiError>('GET', '/manage/usage?token_id=no-such-token');
    expect([token.status, token.body.error.code]).toEqual([404, 'not_found']);
  });

  it('keeps the usage of a deleted project', async () => {
    expect((await harness.manage('DELETE', `/manage/projects/${b.projectId}`)).status).toBe(200);
    const report = await usage(`?project_id=${b.projectId}`);
    expect(report.totals.requests).toBe(2);
    expect((await usage()).projects?.find((project) => project.project_id === b.projectId)?.project_name).toBeNull();
  });

  it('needs the management token', async () => {
    const response = await rawRequest(harness.url, { path: '/manage/usage' });
    expect(response.status).toBe(401);
  });

  it('is described in the OpenAPI document', async () => {
    const document = await harness.manage<{ paths: Record<string, { get?: { parameters?: { name: string }[] } }> }>('GET', '/manage/openapi.json');
    expect(document.body.paths['/manage/usage']?.get?.parameters?.map((parameter) => parameter.name).sort()).toEqual([
      'from',
      'granularity',
      'project_id',
      'to',
      'token_id',
    ]);
  });
});

describe('the usage ledger on shutdown', () => {
  it('writes what it holds when the server closes', async () => {
    const db = await openTestDatabase();
    try {
      const harness = await startHarness({}, { database: db.database });
      const { token } = await harness.issueToken();
      for (let i = 0; i < 3; i++) {
        const response = await fetch(`${harness.url}/v1/models`, { headers: { authorization: `Bearer ${token}` } });
        expect(response.status).toBe(200);
        await response.text();
      }
      await harness.close();
      const rows = await db.database.db.selectFrom('usage_hourly').select(['requests', 'upstream_calls']).execute();
      expect(rows).toEqual([{ requests: 3, upstream_calls: 3 }]);
    } finally {
      await db.dispose();
    }
  });
});
