import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEntry } from '../../src/audit/index.js';
import type { AuditEventResponse, AuditListResponse } from '../../src/manage-client/index.js';
import { rawRequest } from '../support/http.js';
import { startHarness, type Harness } from '../support/proxy-harness.js';

interface ApiError {
  error: { message: string; type: string; code: string };
}

const BASE_MS = Date.parse('2026-03-01T10:00:00.000Z');
const minute = (n: number) => new Date(BASE_MS + n * 60_000).toISOString();

/** 25 records, one a minute from BASE_MS: what each one is, by its index. */
function seed(index: number): AuditEntry {
  if (index % 5 === 4) {
    return { action: 'management.auth', actor: 'anonymous', outcome: 'denied', clientIp: '198.51.100.7', method: 'GET', path: '/manage/tokens', reason: 'wrong management token' };
  }
  return {
    action: index % 2 === 0 ? 'project.update' : 'token.revoke',
    actor: 'management:****abcd',
    outcome: index === 7 ? 'failure' : 'success',
    projectId: index % 2 === 0 ? 'project-a' : 'project-b',
    tokenId: index % 2 === 0 ? null : `token-${index}`,
    requestId: `req-${index}`,
    clientIp: '127.0.0.1',
    method: index % 2 === 0 ? 'PATCH' : 'DELETE',
    path: index % 2 === 0 ? '/manage/projects/project-a' : `/manage/tokens/token-${index}`,
    reason: index === 7 ? 'Rollout 100%_done' : null,
    metadata: { seq: index, note: index === 12 ? 'Quarterly KEY rotation' : 'routine' },
  };
}

describe('GET /manage/audit', () => {
  let harness: Harness;
  let clock = new Date(BASE_MS);
  beforeAll(async () => {
    harness = await startHarness({}, { now: () => clock });
    for (let index = 0; index < 25; index++) {
      clock = new Date(minute(index));
      harness.proxy.audit.record(seed(index));
    }
  });
  afterAll(() => harness.close());

  const list = (query: string) => harness.manage<AuditListResponse>('GET', `/manage/audit${query}`);
  const seqs = (events: AuditEventResponse[]) => events.map((event) => (event.metadata as { seq?: number } | null)?.seq ?? `auth@${event.timestamp.slice(11, 16)}`);

  it('pages newest first: 20 by default, then the rest, then an empty page', async () => {
    const first = await list('');
    expect(first.status).toBe(200);
    expect(first.body.pagination).toEqual({ page: 1, page_size: 20, total_count: 25, total_pages: 2, has_next: true, has_prev: false });
    expect(first.body.events.map((event) => event.timestamp)).toEqual(Array.from({ length: 20 }, (_, i) => minute(24 - i)));
    const second = await list('?page=2');
    expect(second.body.pagination).toEqual({ page: 2, page_size: 20, total_count: 25, total_pages: 2, has_next: false, has_prev: true });
    expect(second.body.events.map((event) => event.timestamp)).toEqual([minute(4), minute(3), minute(2), minute(1), minute(0)]);
    const beyond = await list('?page=3');
    expect(beyond.body).toEqual({ events: [], pagination: { page: 3, page_size: 20, total_count: 25, total_pages: 2, has_next: false, has_prev: true } });
    const small = await list('?page_size=10&page=3');
    expect(small.body.pagination).toMatchObject({ page_size: 10, total_pages: 3, has_next: false, has_prev: true });
    expect(small.body.events).toHaveLength(5);
    expect((await list('?page_size=500')).body.pagination.page_size).toBe(100); // capped, as the Go original does
  });

  it('shows every field, with null for what a record does not have', async () => {
    const [record] = (await list('?request_id=req-7')).body.events;
    expect(record).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/),
      timestamp: minute(7),
      action: 'token.revoke',
      actor: 'management:****abcd',
      outcome: 'failure',
      project_id: 'project-b',
      token_id: 'token-7',
      request_id: 'req-7',
      correlation_id: null,
      client_ip: '127.0.0.1',
      method: 'DELETE',
      path: '/manage/tokens/token-7',
      user_agent: null,
      reason: 'Rollout 100%_done',
      metadata: { seq: 7, note: 'routine' },
    });
  });

  it('filters on exact values, every filter given at once', async () => {
    const cases: [string, (string | number)[]][] = [
      ['?action=management.auth', ['auth@10:24', 'auth@10:19', 'auth@10:14', 'auth@10:09', 'auth@10:04']],
      ['?outcome=failure', [7]],
      ['?outcome=denied&client_ip=198.51.100.7&page_size=2', ['auth@10:24', 'auth@10:19']],
      ['?project_id=project-a&action=project.update&method=PATCH', [22, 20, 18, 16, 12, 10, 8, 6, 2, 0]],
      ['?project_id=project-b&token_id=token-13', [13]],
      ['?actor=anonymous&path=/manage/tokens', ['auth@10:24', 'auth@10:19', 'auth@10:14', 'auth@10:09', 'auth@10:04']],
      ['?action=project.create', []],
      ['?project_id=project-a&action=token.revoke', []],
    ];
    for (const [query, expected] of cases) {
      const response = await list(query);
      expect(response.status, query).toBe(200);
      expect(seqs(response.body.events), query).toEqual(expected);
    }
  });

  it('filters on a time range, both ends included', async () => {
    const response = await list(`?start_time=${minute(10)}&end_time=${minute(13)}`);
    expect(seqs(response.body.events)).toEqual([13, 12, 11, 10]);
    expect(response.body.pagination.total_count).toBe(4);
    expect(seqs((await list(`?start_time=${minute(23)}`)).body.events)).toEqual(['auth@10:24', 23]);
    expect((await list('?end_time=2026-03-01T09:59:59Z')).body.events).toEqual([]);
  });

  it('searches any text column, case-insensitively, with % and _ taken literally', async () => {
    expect(seqs((await list('?search=quarterly key')).body.events)).toEqual([12]); // metadata
    expect(seqs((await list('?search=100%25_')).body.events)).toEqual([7]); // reason, "100%_"
    expect((await list('?search=%25')).body.events.length).toBe(1); // only the record holding a real %
    expect((await list('?search=_')).body.events.length).toBe(1);
    expect(seqs((await list('?search=req-1&outcome=success&page_size=3')).body.events)).toEqual([18, 17, 16]);
    expect((await list('?search=198.51.100')).body.pagination.total_count).toBe(5); // client IP
  });

  it('gets one record by id; 404 for an unknown one', async () => {
    const [newest] = (await list('?page_size=1')).body.events;
    const one = await harness.manage<AuditEventResponse>('GET', `/manage/audit/${newest?.id}`);
    expect(one.status).toBe(200);
    expect(one.body).toEqual(newest);
    const missing = await harness.manage<ApiError>('GET', '/manage/audit/01890000-0000-7000-8000-000000000000');
    expect(missing.status).toBe(404);
    expect(missing.body.error).toMatchObject({ code: 'not_found', message: 'audit event not found' });
  });

  it('refuses bad query values with 400 naming the parameter', async () => {
    const cases: [string, RegExp][] = [
      ['?outcome=maybe', /querystring\.outcome/],
      ['?start_time=yesterday', /querystring\.start_time: must be an RFC 3339 time/],
      ['?end_time=2026-13-45T99:00:00Z', /querystring\.end_time: must be an RFC 3339 time/],
      ['?page=0', /querystring\.page: must be a whole number, 1 or more/],
      ['?page_size=ten', /querystring\.page_size: must be a whole number, 1 or more/],
      ['?action=', /querystring\.action/],
    ];
    for (const [query, message] of cases) {
      const response = await harness.manage<ApiError>('GET', `/manage/audit${query}`);
      expect(response.status, query).toBe(400);
      expect(response.body.error.code).toBe('invalid_request');
      expect(response.body.error.message, query).toMatch(message);
    }
  });

  it('needs the management token, and is described in the OpenAPI document', async () => {
    expect((await rawRequest(harness.url, { path: '/manage/audit' })).status).toBe(401);
    expect((await rawRequest(harness.url, { path: '/manage/audit/x', headers: { authorization: 'Bearer nope' } })).status).toBe(401);
    const openapi = (await (await fetch(`${harness.url}/manage/openapi.json`)).json()) as { paths: Record<string, Record<string, { tags?: string[] }>> };
    expect(openapi.paths['/manage/audit']?.get?.tags).toEqual(['audit']);
    expect(openapi.paths['/manage/audit/{id}']?.get?.tags).toEqual(['audit']);
  });
});
