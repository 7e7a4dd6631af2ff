import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { CoordinationUnavailableError, createLocalCoordinator, type Coordinator, type Invalidation } from '../../src/coordination/index.js';
import { createRedisCoordinator } from '../../src/coordination/redis-coordinator.js';
import { closedPort, redisUnavailable } from '../support/tcp-relay.js';

const unreachable = await redisUnavailable();

describe('local coordinator (one instance alone)', () => {
  it('counts fixed one-minute windows per token and per project, and starts over with the next minute', async () => {
    let nowMs = 10 * 60_000 + 59_000;
    const coordinator = createLocalCoordinator(() => nowMs);
    const limits = [
      { scope: 'token', id: 't1', perMinute: 2 },
      { scope: 'project', id: 'p1', perMinute: 3 },
    ] as const;
    const admit = () => coordinator.admit({ tokenId: 't1', maxRequests: null, rateLimits: limits, seedCount: async () => 0 });
    expect(await admit()).toEqual({ outcome: 'admitted' });
    expect(await admit()).toEqual({ outcome: 'admitted' });
    expect(await admit()).toEqual({ outcome: 'rate_limited', limit: limits[0], retryAfterMs: 1000 });
    nowMs += 1000;
    expect(await admit()).toEqual({ outcome: 'admitted' });
    expect(coordinator.countsMaxRequests).toBe(false);
  });
});

describe.skipIf(unreachable !== undefined)('redis coordinator (real Redis on 127.0.0.1:6379)', () => {
  const prefix = `llm-proxy-test:coordinator:${randomUUID()}:`;
  const opened: Coordinator[] = [];
  async function open(): Promise<Coordinator> {
    const coordinator = await createRedisCoordinator({ url: 'redis://127.0.0.1:6379/0', keyPrefix: prefix });
    opened.push(coordinator);
    return coordinator;
  }

  afterAll(async () => {
    for (const coordinator of opened) await coordinator.close();
    const redis = new Redis('redis://127.0.0.1:6379/0');
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  it('seeds a count from the database once, counts up to max_requests, and takes refunds', async () => {
    const [one, two] = [await open(), await open()];
    let seeds = 0;
    const request = { tokenId: randomUUID(), maxRequests: 5, rateLimits: [], seedCount: async () => ((seeds += 1), 3) };
    expect(await one.admit(request)).toEqual({ outcome: 'admitted' });
    expect(await two.admit(request)).toEqual({ outcome: 'admitted' });
    expect(await one.admit(request)).toEqual({ outcome: 'exhausted' });
    expect(seeds).toBe(1);
    await two.refund(request.tokenId);
    expect(await one.admit(request)).toEqual({ outcome: 'admitted' });
    expect(await two.admit(request)).toEqual({ outcome: 'exhausted' });
  });

  it('checks every rate window before counting anything', async () => {
    const coordinator = await open();
    const tokenId = randomUUID();
    const project = { scope: 'project', id: randomUUID(), perMinute: 1 } as const;
    const first = await coordinator.admit({ tokenId, maxRequests: 10, rateLimits: [project], seedCount: async () => 0 });
    expect(first).toEqual({ outcome: 'admitted' });
    const second = await coordinator.admit({ tokenId, maxRequests: 10, rateLimits: [project], seedCount: async () => 0 });
    expect(second).toMatchObject({ outcome: 'rate_limited', limit: project });
    // The refused request did not use up one of the token's max_requests: 9 are left.
    const unlimitedRate = { tokenId, maxRequests: 10, rateLimits: [], seedCount: async () => 0 };
    for (let i = 0; i < 9; i += 1) expect(await coordinator.admit(unlimitedRate)).toEqual({ outcome: 'admitted' });
    expect(await coordinator.admit(unlimitedRate)).toEqual({ outcome: 'exhausted' });
  });

  it('delivers announcements to the other instances, not back to the announcer', async () => {
    const [one, two] = [await open(), await open()];
    const seenByOne: Invalidation[] = [];
    const seenByTwo: Invalidation[] = [];
    one.onInvalidation((invalidation) => seenByOne.push(invalidation));
    two.onInvalidation((invalidation) => seenByTwo.push(invalidation));
    one.announce({ kind: 'token', id: 'tok-1' });
    one.announce({ kind: 'project', id: 'proj-1' });
    for (let i = 0; i < 100 && seenByTwo.length < 2; i += 1) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(seenByTwo).toEqual([
      { kind: 'token', id: 'tok-1' },
      { kind: 'project', id: 'proj-1' },
    ]);
    expect(seenByOne).toEqual([]);
  });

  it('refuses to start when Redis cannot be reached, naming the address and the fix', async () => {
    const port = await closedPort();
    const failure = createRedisCoordinator({ url: `redis://:secret-password@127.0.0.1:${port}/0`, keyPrefix: prefix });
    await expect(failure).rejects.toBeInstanceOf(CoordinationUnavailableError);
    await expect(failure).rejects.toThrow(new RegExp(`127\\.0\\.0\\.1:${port}/0.*LLM_PROXY_COORDINATION=none`));
    await failure.catch((error: Error) => expect(error.message).not.toContain('secret-password'));
  });
});
