import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRequest } from '../support/http.js';
import { startHarness, type Harness } from '../support/proxy-harness.js';

interface ApiError {
  error: { message: string; type: string; code: string };
}
interface ProjectCounts {
  hits: number;
  misses: number;
  stores: number;
}
interface CacheStats {
  backend: string;
  entries: number;
  bytes: number;
  hits: number;
  misses: number;
  bypasses: number;
  stores: number;
  evictions: number;
  coalesced_waits: number;
  backend_errors: number;
  by_project: Record<string, ProjectCounts>;
}

const OPT_IN = { 'Cache-Control': 'public, max-age=60' };

describe('management API: /manage/cache', () => {
  let harness: Harness;
  let token: string;
  let projectId: string;

  beforeAll(async () => {
    harness = await startHarness();
    ({ token, projectId } = await harness.issueToken());
  });
  afterAll(() => harness.close());

  /** One opted-in chat request; resolves with the X-PROXY-CACHE and X-PROXY-CACHE-KEY headers. */
  async function chat(apiKey: string, content: string): Promise<{ cache: string | null; key: string | null }> {
    const client = new OpenAI({ apiKey, baseURL: `${harness.url}/v1`, maxRetries: 0 });
    const { response } = await client.chat.completions
      .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content }] }, { headers: OPT_IN })
      .withResponse();
    return { cache: response.headers.get('x-proxy-cache'), key: response.headers.get('x-proxy-cache-key') };
  }
  const stats = async () => (await harness.manage<CacheStats>('GET', '/manage/cache/stats')).body;
  const purge = (query = '') => harness.manage<{ deleted: number }>('DELETE', `/manage/cache${query}`);

  it('requires the management token on both routes', async () => {
    for (const [method, path] of [
      ['GET', '/manage/cache/stats'],
      ['DELETE', '/manage/cache'],
    ] as const) {
      const response = await rawRequest(harness.url, { method, path, headers: { authorization: 'Bearer wrong' } });
      expect([response.status, (JSON.parse(response.body) as ApiError).error.code]).toEqual([401, 'invalid_management_token']);
    }
  });

  it('counts the entry and the hit, purges by project, and the next request is a miss again', async () => {
    await purge();
    expect(await chat(token, 'stats me')).toMatchObject({ cache: 'miss' });
    expect(await chat(token, 'stats me')).toMatchObject({ cache: 'hit' });

    const filled = await stats();
    expect(filled).toMatchObject({ backend: 'in-memory', entries: 1, evictions: 0, backend_errors: 0 });
    expect(filled.bytes).toBeGreaterThan(0);
    expect(filled.hits).toBeGreaterThanOrEqual(1);
    expect(filled.stores).toBeGreaterThanOrEqual(1);
    expect(filled.by_project[projectId]).toEqual({ hits: 1, misses: 1, stores: 1 });

    const other = await harness.issueToken();
    expect((await purge(`?project_id=${other.projectId}`)).body).toEqual({ deleted: 0 });
    expect((await stats()).entries).toBe(1);
    expect(await chat(token, 'stats me')).toMatchObject({ cache: 'hit' });

    expect(await purge(`?project_id=${projectId}`)).toEqual({ status: 200, body: { deleted: 1 } });
    expect((await stats()).entries).toBe(0);
    expect(await chat(token, 'stats me')).toMatchObject({ cache: 'miss' });
  });

  it('purges one entry by its X-PROXY-CACHE-KEY, and everything without a filter', async () => {
    await purge();
    const first = await chat(token, 'key one');
    await chat(token, 'key two');
    expect(first.key).toBeTruthy();
    expect((await purge(`?key=${encodeURIComponent(first.key ?? '')}`)).body).toEqual({ deleted: 1 });
    expect(await chat(token, 'key one')).toMatchObject({ cache: 'miss' });
    expect(await chat(token, 'key two')).toMatchObject({ cache: 'hit' });

    expect((await purge()).body).toEqual({ deleted: 2 });
    expect((await stats()).entries).toBe(0);
  });

  it('refuses an empty filter value rather than reading it as "everything"', async () => {
    const response = await purge('?project_id=');
    expect([response.status, (response.body as unknown as ApiError).error.code]).toEqual([400, 'invalid_request']);
  });

  it('describes both routes in the OpenAPI document', async () => {
    const document = (await harness.manage<{ paths: Record<string, Record<string, unknown>> }>('GET', '/manage/openapi.json')).body;
    expect(Object.keys(document.paths['/manage/cache'] ?? {})).toContain('delete');
    expect(Object.keys(document.paths['/manage/cache/stats'] ?? {})).toContain('get');
  });
});

describe('management API: /manage/cache with HTTP_CACHE_ENABLED=false', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness({ HTTP_CACHE_ENABLED: 'false' });
  });
  afterAll(() => harness.close());

  it('answers 409 cache_disabled on both routes', async () => {
    for (const [method, path] of [
      ['GET', '/manage/cache/stats'],
      ['DELETE', '/manage/cache'],
      ['DELETE', '/manage/cache?project_id=p'],
    ] as const) {
      const response = await harness.manage<ApiError>(method, path);
      expect(response.status).toBe(409);
      expect(response.body.error).toMatchObject({ code: 'cache_disabled', type: 'invalid_request_error' });
      expect(response.body.error.message).toContain('HTTP_CACHE_ENABLED=false');
    }
  });
});
