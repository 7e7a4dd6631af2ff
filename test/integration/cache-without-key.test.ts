import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCodeOf, rawRequest } from '../support/http.js';
import { startHarness, type Harness } from '../support/proxy-harness.js';

const BODY = '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"cached before the key broke"}]}';

describe('a cached answer needs no project key', () => {
  let harness: Harness;
  let token: string;
  let projectId: string;

  beforeAll(async () => {
    // A short token cache TTL, so a key broken straight in the database is seen quickly.
    harness = await startHarness({ LLM_PROXY_TOKEN_CACHE_TTL: '100ms' });
    ({ token, projectId } = await harness.issueToken());
  });
  afterAll(() => harness.close());

  function chat(cacheControl?: string) {
    return rawRequest(harness.url, {
      method: 'POST',
      path: '/v1/chat/completions',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        ...(cacheControl === undefined ? {} : { 'cache-control': cacheControl }),
      },
      body: BODY,
    });
  }

  it('serves a hit while the stored key is unusable, and refuses what must go upstream', async () => {
    expect((await chat('public, max-age=600')).headers['x-proxy-cache']).toBe('miss');
    const db = new Database(harness.dbPath);
    db.prepare('UPDATE projects SET api_key = ? WHERE id = ?').run('sk-pasted\u2013key', projectId);
    db.close();
    await new Promise((resolve) => setTimeout(resolve, 300));
    const upstreamBefore = harness.mock.received.length;

    const hit = await chat('public, max-age=600');
    expect([hit.status, hit.headers['x-proxy-cache']]).toEqual([200, 'hit']);

    const forwarded = await chat();
    expect([forwarded.status, errorCodeOf(forwarded)]).toEqual([503, 'upstream_auth_error']);
    expect(harness.mock.received.length).toBe(upstreamBefore);
  });
});
