import { createHash, randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SESSION_COOKIE } from '../../src/admin/index.js';
import { startHarness, UPSTREAM_KEY, type Harness } from '../support/proxy-harness.js';
import { redisUnavailable, startTcpRelay, type TcpRelay } from '../support/tcp-relay.js';
import { adminClient, type AdminClient } from './admin-client.js';

const unreachable = await redisUnavailable();
const TTL_MS = 60 * 60_000;

/**
 * Two servers (buildApp, each listening on its own port) on one SQLite file and one Redis key
 * space, as two instances behind a load balancer: a browser's session cookie works on either.
 */
describe.skipIf(unreachable !== undefined)('admin UI sessions shared through Redis (real Redis on 127.0.0.1:6379)', () => {
  const prefix = `llm-proxy-test:admin-sessions:${randomUUID()}:`;
  const redis = new Redis('redis://127.0.0.1:6379/0');
  let a: Harness;
  let b: Harness;
  const settings = (redisAddress: string) => ({
    LLM_PROXY_COORDINATION: 'redis',
    LLM_PROXY_COORDINATION_KEY_PREFIX: prefix,
    REDIS_ADDR: redisAddress,
    ADMIN_UI_SESSION_TTL: `${TTL_MS / 1000}s`,
  });

  beforeAll(async () => {
    a = await startHarness(settings('127.0.0.1:6379'));
    b = await startHarness({ ...settings('127.0.0.1:6379'), DATABASE_PATH: a.dbPath });
  });

  afterAll(async () => {
    await a?.close();
    await b?.close();
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  const sessionKey = (client: AdminClient) => {
    const id = (client.cookie ?? '').slice(`${SESSION_COOKIE}=`.length);
    return `${prefix}admin-session:${createHash('sha256').update(id).digest('base64url')}`;
  };
  const expectSignInAsked = (page: Response) => expect([page.status, page.headers.get('location')]).toEqual([303, '/admin/login']);
  /** The same browser (same cookie) talking to the other instance. */
  const sameBrowserOn = (harness: Harness, client: AdminClient) => Object.assign(adminClient(harness.url), { cookie: client.cookie });

  it('takes a login made on A on B, CSRF token included, and a logout on B ends it on A', async () => {
    const onA = adminClient(a.url);
    expect((await onA.login()).status).toBe(303);
    const onB = sameBrowserOn(b, onA);
    expect((await onB.get('/admin/')).status).toBe(200);

    // A form of a page of B, sent to A: the session's CSRF token is the same on both.
    const name = `shared-${randomUUID()}`;
    const created = await onA.post('/admin/projects', { name, api_key: UPSTREAM_KEY }, { csrf: await onB.csrfToken() });
    expect(created.status).toBe(303);
    expect((await b.manage<{ name: string }[]>('GET', '/manage/projects')).body.map((project) => project.name)).toContain(name);

    expect((await onB.post('/admin/logout', {})).status).toBe(303);
    expectSignInAsked(await onA.get('/admin/'));
  });

  it('slides the expiry on every page of either instance, and ends the session on both once it ran out', async () => {
    const onA = adminClient(a.url);
    await onA.login();
    const onB = sameBrowserOn(b, onA);
    // As if the browser had been idle for most of the TTL: a page on B makes it last a whole TTL again.
    await redis.pexpire(sessionKey(onA), 5_000);
    expect((await onB.get('/admin/')).status).toBe(200);
    expect(await redis.pttl(sessionKey(onA))).toBeGreaterThan(TTL_MS - 60_000);

    await redis.pexpire(sessionKey(onA), 1);
    await expect.poll(() => redis.exists(sessionKey(onA))).toBe(0);
    for (const client of [onA, onB]) expectSignInAsked(await client.get('/admin/'));
  });

  describe('while Redis is away', () => {
    let relay: TcpRelay;
    let c: Harness;
    beforeAll(async () => {
      relay = await startTcpRelay(6379);
      c = await startHarness(settings(`127.0.0.1:${relay.port}`));
    });
    afterAll(async () => {
      relay.up();
      await c?.close();
      await relay?.close();
    });

    it('answers 503 with the reason on every page, lets nobody in, and works again without a restart once Redis is back', async () => {
      const client = adminClient(c.url);
      await client.login();
      expect((await client.get('/admin/')).status).toBe(200);

      relay.down();
      for (const page of [await client.get('/admin/'), await client.get('/admin/login')]) {
        expect(page.status).toBe(503);
        expect(page.headers.get('retry-after')).toBe('5');
        expect(await page.text()).toContain('cannot reach the store of its sign-in sessions');
      }
      // A browser without a cookie needs no store to be sent to the login form; signing in needs it.
      const anonymous = adminClient(c.url);
      expect((await anonymous.get('/admin/projects')).headers.get('location')).toBe('/admin/login');
      const login = await anonymous.login();
      expect(login.status).toBe(503);
      expect(login.headers.get('set-cookie')).toBeNull();
      expect((await client.post('/admin/logout', {}, { csrf: 'x' })).status).toBe(503);

      relay.up();
      // The session was kept in Redis: the same cookie works again once the connection is back.
      await expect.poll(async () => (await client.get('/admin/')).status, { timeout: 10_000, interval: 200 }).toBe(200);
    });
  });
});
