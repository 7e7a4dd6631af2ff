import { createHash, randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import type { SessionStore } from '../../src/admin/index.js';
import { CoordinationUnavailableError, createLocalCoordinator, type Coordinator } from '../../src/coordination/index.js';
import { createRedisCoordinator } from '../../src/coordination/redis-coordinator.js';
import { redisUnavailable, startTcpRelay, type TcpRelay } from '../support/tcp-relay.js';

const unreachable = await redisUnavailable();
const TTL_MS = 60 * 60_000;

describe('shared admin sessions of a coordinator', () => {
  it('are none without Redis: each process keeps its own', () => {
    expect(createLocalCoordinator().sharedSessions(TTL_MS)).toBeUndefined();
  });
});

describe.skipIf(unreachable !== undefined)('admin sessions in Redis (real Redis on 127.0.0.1:6379)', () => {
  const prefix = `llm-proxy-test:sessions:${randomUUID()}:`;
  const redis = new Redis('redis://127.0.0.1:6379/0');
  const opened: Coordinator[] = [];
  const relays: TcpRelay[] = [];

  async function openStore(port = 6379): Promise<SessionStore> {
    const coordinator = await createRedisCoordinator({ url: `redis://127.0.0.1:${port}/0`, keyPrefix: prefix });
    opened.push(coordinator);
    return coordinator.sharedSessions(TTL_MS) as SessionStore;
  }
  const keyOf = (id: string) => `${prefix}admin-session:${createHash('sha256').update(id).digest('base64url')}`;

  afterAll(async () => {
    for (const coordinator of opened) await coordinator.close();
    for (const relay of relays) await relay.close();
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  it('shows a session made by one instance to another, with its CSRF token, until one of them deletes it', async () => {
    const [one, two] = [await openStore(), await openStore()];
    const session = await one.create();
    expect(await two.get(session.id)).toMatchObject({ id: session.id, csrfToken: session.csrfToken });
    await two.delete(session.id);
    expect(await one.get(session.id)).toBeUndefined();
    expect(await two.get(session.id)).toBeUndefined();
  });

  it('keeps a session under the hash of its id, expiring after the TTL, and pushes the expiry back on every read', async () => {
    const store = await openStore();
    const before = Date.now();
    const session = await store.create();
    expect(await redis.keys(`${prefix}*${session.id}*`)).toEqual([]); // the id itself is nowhere in Redis
    expect(await redis.get(keyOf(session.id))).toBe(session.csrfToken);
    expect(await redis.pttl(keyOf(session.id))).toBeGreaterThan(TTL_MS - 60_000);

    // As if the session had not been used for most of its TTL: a read makes it last a whole TTL again.
    await redis.pexpire(keyOf(session.id), 5_000);
    const touched = await store.get(session.id);
    expect(touched?.expiresAt).toBeGreaterThanOrEqual(before + TTL_MS);
    expect(await redis.pttl(keyOf(session.id))).toBeGreaterThan(TTL_MS - 60_000);
  });

  it('forgets a session whose TTL ran out, and answers nothing for an unknown, empty or missing id', async () => {
    const store = await openStore();
    const session = await store.create();
    await redis.pexpire(keyOf(session.id), 1);
    await expect.poll(() => redis.exists(keyOf(session.id))).toBe(0);
    expect(await store.get(session.id)).toBeUndefined();
    expect(await store.get('no-such-session')).toBeUndefined();
    expect(await store.get('')).toBeUndefined();
    expect(await store.get(undefined)).toBeUndefined();
    await store.delete(undefined);
  });

  it('rejects every call while Redis is away (nothing is let through), and answers again once it is back', async () => {
    const relay = await startTcpRelay(6379);
    relays.push(relay);
    const store = await openStore(relay.port);
    const session = await store.create();

    relay.down();
    await expect(store.get(session.id)).rejects.toBeInstanceOf(CoordinationUnavailableError);
    await expect(store.create()).rejects.toBeInstanceOf(CoordinationUnavailableError);
    await expect(store.delete(session.id)).rejects.toBeInstanceOf(CoordinationUnavailableError);

    relay.up();
    // The connection comes back by itself (retries at most a second apart).
    await expect.poll(() => Promise.resolve(store.get(session.id)).catch(() => 'unavailable'), { timeout: 10_000, interval: 200 }).toMatchObject({ csrfToken: session.csrfToken });
  });
});
