import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCliServer, type CliServer } from '../support/cli.js';
import { startMockOpenAi, type MockOpenAi } from '../support/mock-openai.js';
import { redisUnavailable } from '../support/tcp-relay.js';
import { createTestDatabaseLocation, enginesUnderTest, type TestDatabaseLocation } from '../support/test-database.js';
import { adminPages, adminSignIn, adminSignOut, eventually, manageCall, proxyCall, type Answer } from '../support/workers.js';

const MANAGEMENT_TOKEN = 'instances-test-management-token';
const redisMissing = await redisUnavailable();
const engines = await enginesUnderTest(['postgres', 'mysql']);

/**
 * Two separate `llm-proxy server` processes (the built binary), as two hosts behind a load
 * balancer would run them: one PostgreSQL or MySQL database of their own, one Redis key space;
 * the second with `--workers 2`.
 */
for (const { engine, name, unavailable } of engines) {
  describe.skipIf(unavailable !== undefined || redisMissing !== undefined)(`two server processes on ${name} and Redis`, () => {
    const prefix = `llm-proxy-test:instances:${randomUUID()}:`;
    let mock: MockOpenAi;
    let location: TestDatabaseLocation;
    const servers: CliServer[] = [];

    beforeAll(async () => {
      mock = await startMockOpenAi();
      location = await createTestDatabaseLocation(engine);
      const env = {
        MANAGEMENT_TOKEN,
        OPENAI_API_URL: mock.url,
        DB_DRIVER: engine,
        DATABASE_URL: location.options.url as string,
        LLM_PROXY_COORDINATION: 'redis',
        LLM_PROXY_COORDINATION_KEY_PREFIX: prefix,
        REDIS_ADDR: '127.0.0.1:6379',
        // Cached credentials that never expire by themselves: a change is seen through Redis or not at all.
        LLM_PROXY_TOKEN_CACHE_TTL: '10m',
        HTTP_CACHE_ENABLED: 'false',
        LOG_LEVEL: 'error',
      };
      // Started one after the other: the second finds the schema migrated. The second runs two
      // workers, each coordinated through Redis on its own.
      servers.push(await startCliServer(['--config', '/dev/null'], { env, startTimeoutMs: 30_000 }));
      servers.push(await startCliServer(['--config', '/dev/null', '--workers', '2'], { env, startTimeoutMs: 30_000 }));
    }, 60_000);

    afterAll(async () => {
      for (const server of servers) await server.stop('SIGTERM');
      await mock?.close();
      await location?.drop();
      const redis = new Redis('redis://127.0.0.1:6379/0');
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length > 0) await redis.del(...keys);
      redis.disconnect();
    });

    function manage<T>(server: CliServer, method: string, path: string, body?: unknown): Promise<T> {
      return manageCall<T>(server.url, MANAGEMENT_TOKEN, method, path, body);
    }

    async function issueToken(limits: { max_requests?: number } = {}): Promise<{ id: string; token: string }> {
      const [a] = servers as [CliServer];
      const project = await manage<{ id: string }>(a, 'POST', '/manage/projects', { name: `p-${randomUUID()}`, api_key: 'sk-upstream-key-for-instances' });
      return manage(a, 'POST', '/manage/tokens', { project_id: project.id, duration_hours: 1, ...limits });
    }

    it('admits exactly K of 10×K parallel requests of a token with K requests left, spread over both', async () => {
      const K = 10;
      const { id, token } = await issueToken({ max_requests: K + 3 });
      // 3 of its requests used before: K are left, and the first count in Redis starts from the database.
      for (let i = 0; i < 3; i += 1) expect((await proxyCall((servers[i % 2] as CliServer).url, token)).status).toBe(200);
      await eventually(async () => (await manage<{ request_count: number }>(servers[1] as CliServer, 'GET', `/manage/tokens/${id}`)).request_count === 3);

      const answers = await Promise.all(Array.from({ length: 10 * K }, (_, i): Promise<Answer> => proxyCall((servers[i % 2] as CliServer).url, token)));
      const admitted = answers.filter((answer) => answer.status === 200);
      expect(admitted).toHaveLength(K);
      expect(new Set(answers.filter((answer) => answer.status !== 200).map((answer) => `${answer.status} ${answer.code}`))).toEqual(new Set(['429 token_quota_exhausted']));
      await eventually(async () => (await manage<{ request_count: number }>(servers[0] as CliServer, 'GET', `/manage/tokens/${id}`)).request_count === K + 3);
    });

    it('sees a revocation made on one instance on the other', async () => {
      const [a, b] = servers as [CliServer, CliServer];
      const { id, token } = await issueToken();
      // Cached by both of B's workers now (connections of their own go to them in turn).
      for (let i = 0; i < 2; i += 1) expect((await proxyCall(b.url, token)).status).toBe(200);
      await manage(a, 'DELETE', `/manage/tokens/${id}`);
      const revokedAt = Date.now();
      // Pub/sub delivers it at once; the version check read every second is the safety net. The bound is against hanging.
      await eventually(async () => {
        const answers = [await proxyCall(b.url, token), await proxyCall(b.url, token)];
        return answers.every((answer) => answer.code === 'token_inactive');
      }, 5_000);
      console.log(`${name}: revocation on A refused by B ${Date.now() - revokedAt} ms after the management call returned`);
    });

    it('keeps an admin UI login made on A on both workers of B, and a logout on B ends it on A', async () => {
      const [a, b] = servers as [CliServer, CliServer];
      const cookie = await adminSignIn(a.url, MANAGEMENT_TOKEN);
      // Connections of their own: B's two workers answer in turn, each reading the session in Redis.
      const onB = await adminPages(b.url, cookie, 2);
      expect(onB.map((answer) => answer.status)).toEqual([200, 200]);
      expect((await adminSignOut(b.url, cookie, onB[1] as Answer)).status).toBe(303);
      const ended = [...(await adminPages(a.url, cookie, 1)), ...(await adminPages(b.url, cookie, 2))];
      expect(ended.map((answer) => `${answer.status} ${String(answer.headers.location)}`)).toEqual(Array(3).fill('303 /admin/login'));
    });
  });
}
