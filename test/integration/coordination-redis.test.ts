import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTestConfig, type SettingName } from '../../src/config/index.js';
import { buildApp, type LlmProxyApp } from '../../src/server/index.js';
import { startHarness, type Harness } from '../support/proxy-harness.js';
import { closedPort, redisUnavailable, startTcpRelay, type TcpRelay } from '../support/tcp-relay.js';
import { awayFromMinuteEnd, eventually } from '../support/workers.js';

const unreachable = await redisUnavailable();

interface Answer {
  readonly status: number;
  readonly code: string | undefined;
  readonly headers: Headers;
}

async function call(baseUrl: string, token: string): Promise<Answer> {
  const response = await fetch(`${baseUrl}/v1/models`, { headers: { authorization: `Bearer ${token}` } });
  const text = await response.text();
  let code: string | undefined;
  if (response.status >= 400) code = (JSON.parse(text) as { error?: { code?: string } }).error?.code;
  return { status: response.status, code, headers: response.headers };
}

describe.skipIf(unreachable !== undefined)('several instances as one proxy, coordinated through the real Redis', () => {
  const prefix = `llm-proxy-test:coord:${randomUUID()}:`;
  let a: Harness;
  const peers: LlmProxyApp[] = [];
  const relays: TcpRelay[] = [];

  /** Settings every instance of this test shares: one Redis key space, a token cache that never expires by itself. */
  function shared(redisPort = 6379): Partial<Record<SettingName, string>> {
    return {
      LLM_PROXY_COORDINATION: 'redis',
      LLM_PROXY_COORDINATION_KEY_PREFIX: prefix,
      REDIS_ADDR: `127.0.0.1:${redisPort}`,
      LLM_PROXY_TOKEN_CACHE_TTL: '10m',
      HTTP_CACHE_ENABLED: 'false',
      LOG_REQUESTS: 'false',
    };
  }

  /** Another instance on A's database and upstream; through a cuttable relay to Redis when asked. */
  async function startPeer(options: { relay?: boolean; upstream?: string } = {}): Promise<{ url: string; relay: TcpRelay | undefined }> {
    const relay = options.relay ? await startTcpRelay(6379) : undefined;
    if (relay !== undefined) relays.push(relay);
    const config = createTestConfig({ OPENAI_API_URL: options.upstream ?? a.mock.url, DATABASE_PATH: a.dbPath, ...shared(relay?.port) });
    const peer = await buildApp(config, { logger: pino({ level: 'silent' }) });
    peers.push(peer);
    return { url: await peer.listen(), relay };
  }

  beforeAll(async () => {
    a = await startHarness(shared());
  });

  afterEach(async () => {
    while (peers.length > 0) await peers.pop()?.close();
    while (relays.length > 0) await relays.pop()?.close();
  });

  afterAll(async () => {
    await a.close();
    const redis = new Redis('redis://127.0.0.1:6379/0');
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  it('admits exactly max_requests across two instances under parallel load, and the database count ends there', async () => {
    const b = await startPeer();
    const K = 20;
    const { token, tokenId } = await a.issueToken({ maxRequests: K });
    const answers = await Promise.all(Array.from({ length: 10 * K }, (_, i) => call(i % 2 === 0 ? a.url : b.url, token)));
    const admitted = answers.filter((answer) => answer.status === 200);
    const refused = answers.filter((answer) => answer.status !== 200);
    expect(admitted).toHaveLength(K);
    expect(new Set(refused.map((answer) => `${answer.status} ${answer.code}`))).toEqual(new Set(['429 token_quota_exhausted']));
    // Both instances write their counts behind: the database reaches K, and stays there.
    await eventually(async () => (await a.manage<{ request_count: number }>('GET', `/manage/tokens/${tokenId}`)).body.request_count === K);
    expect((await call(b.url, token)).code).toBe('token_quota_exhausted');
  });

  it('gives back, in the shared count, the requests an instance could not deliver', async () => {
    const deadEnd = await startPeer({ upstream: `http://127.0.0.1:${await closedPort()}` });
    const { token, tokenId } = await a.issueToken({ maxRequests: 2 });
    for (let i = 0; i < 3; i += 1) expect((await call(deadEnd.url, token)).code).toBe('upstream_unreachable');
    expect((await call(a.url, token)).status).toBe(200);
    expect((await call(a.url, token)).status).toBe(200);
    expect((await call(deadEnd.url, token)).code).toBe('token_quota_exhausted');
    await eventually(async () => (await a.manage<{ request_count: number }>('GET', `/manage/tokens/${tokenId}`)).body.request_count === 2);
  });

  it('sees a revocation, a project deactivation and a key change made on the other instance', async () => {
    const b = await startPeer();
    const revoked = await a.issueToken();
    const deactivated = await a.issueToken();
    const rekeyed = await a.issueToken();
    for (const { token } of [revoked, deactivated, rekeyed]) expect((await call(b.url, token)).status).toBe(200);

    expect((await a.manage('DELETE', `/manage/tokens/${revoked.tokenId}`)).status).toBeLessThan(300);
    await eventually(async () => (await call(b.url, revoked.token)).code === 'token_inactive', 5_000);

    expect((await a.manage('PATCH', `/manage/projects/${deactivated.projectId}`, { is_active: false })).status).toBe(200);
    await eventually(async () => (await call(b.url, deactivated.token)).code === 'project_inactive', 5_000);

    const newKey = 'sk-rotated-upstream-key-0123456789abcdef';
    expect((await a.manage('PATCH', `/manage/projects/${rekeyed.projectId}`, { api_key: newKey })).status).toBe(200);
    await eventually(async () => {
      const before = a.mock.received.length;
      expect((await call(b.url, rekeyed.token)).status).toBe(200);
      return a.mock.received.slice(before).some((request) => request.headers.authorization === `Bearer ${newKey}`);
    }, 5_000);
  });

  it('catches a revocation whose message was lost (subscriber cut) by the version check', async () => {
    const b = await startPeer({ relay: true });
    const { token, tokenId } = await a.issueToken();
    expect((await call(b.url, token)).status).toBe(200);
    b.relay?.down(); // B's connections to Redis drop: the message below never reaches it
    expect((await a.manage('DELETE', `/manage/tokens/${tokenId}`)).status).toBeLessThan(300);
    await new Promise((resolve) => setTimeout(resolve, 300));
    // Meanwhile B serves the unlimited token from its cache, as it does whenever Redis is away.
    expect((await call(b.url, token)).status).toBe(200);
    b.relay?.up();
    await eventually(async () => (await call(b.url, token)).code === 'token_inactive');
  });

  it('enforces requests_per_minute of a token and of a project across instances, with Retry-After', async () => {
    await awayFromMinuteEnd();
    const b = await startPeer();
    const project = await a.manage<{ id: string }>('POST', '/manage/projects', { name: `rpm-${randomUUID()}`, api_key: 'sk-upstream-real-key-0123456789abcdef', requests_per_minute: 5 });
    expect(project.status).toBe(201);
    const mint = async (body: Record<string, unknown>) =>
      (await a.manage<{ token: string; requests_per_minute: number | null }>('POST', '/manage/tokens', { project_id: project.body.id, ...body })).body;
    const limited = await mint({ requests_per_minute: 3 });
    expect(limited.requests_per_minute).toBe(3);
    const other = await mint({});

    const first = [await call(a.url, limited.token), await call(b.url, limited.token), await call(a.url, limited.token)];
    expect(first.map((answer) => answer.status)).toEqual([200, 200, 200]);
    const refused = await call(b.url, limited.token);
    expect(refused.status).toBe(429);
    expect(refused.code).toBe('rate_limited');
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(refused.headers.get('x-should-retry')).toBe('true');
    expect(refused.headers.get('x-ratelimit-limit')).toBe('3');
    expect(refused.headers.get('x-ratelimit-remaining')).toBe('0');

    // The project's 5 per minute: 3 taken by the first token, 2 left for the other, on either instance.
    expect((await call(b.url, other.token)).status).toBe(200);
    expect((await call(a.url, other.token)).status).toBe(200);
    const projectRefusal = await call(b.url, other.token);
    expect(projectRefusal.code).toBe('rate_limited');
  });

  it('fails closed for capped and rate-limited tokens while Redis is away, serves unlimited ones, and recovers without restart', async () => {
    const b = await startPeer({ relay: true });
    const capped = await a.issueToken({ maxRequests: 100 });
    const unlimited = await a.issueToken();
    const project = await a.issueToken();
    const rated = (await a.manage<{ token: string }>('POST', '/manage/tokens', { project_id: project.projectId, requests_per_minute: 1000 })).body;
    for (const token of [capped.token, unlimited.token, rated.token]) expect((await call(b.url, token)).status).toBe(200);

    b.relay?.down();
    expect(await call(b.url, capped.token)).toMatchObject({ status: 503, code: 'coordination_unavailable' });
    expect(await call(b.url, rated.token)).toMatchObject({ status: 503, code: 'coordination_unavailable' });
    expect((await call(b.url, unlimited.token)).status).toBe(200);
    // The other instance still reaches Redis.
    expect((await call(a.url, capped.token)).status).toBe(200);

    b.relay?.up();
    await eventually(async () => (await call(b.url, capped.token)).status === 200);
    expect((await call(b.url, rated.token)).status).toBe(200);
    expect((await call(b.url, unlimited.token)).status).toBe(200);
  });
});

describe('requests_per_minute without Redis (each instance counts its own)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ HTTP_CACHE_ENABLED: 'false', LOG_REQUESTS: 'false' });
  });
  afterAll(async () => {
    await h.close();
  });

  it('refuses the request over the limit with 429 rate_limited and Retry-After', async () => {
    await awayFromMinuteEnd();
    const { projectId } = await h.issueToken();
    const created = await h.manage<{ id: string; token: string }>('POST', '/manage/tokens', { project_id: projectId, requests_per_minute: 2 });
    expect((await call(h.url, created.body.token)).status).toBe(200);
    expect((await call(h.url, created.body.token)).status).toBe(200);
    const refused = await call(h.url, created.body.token);
    expect(refused).toMatchObject({ status: 429, code: 'rate_limited' });
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    // Removing the limit takes effect at once on this instance.
    expect((await h.manage('PATCH', `/manage/tokens/${created.body.id}`, { requests_per_minute: 0 })).status).toBe(200);
    expect((await call(h.url, created.body.token)).status).toBe(200);
  });
});
