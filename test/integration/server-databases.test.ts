import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/proxy-harness.js';
import { rawRequest, errorCodeOf } from '../support/http.js';
import { startTcpRelay, type TcpRelay } from '../support/tcp-relay.js';
import { createTestDatabaseLocation, enginesUnderTest, type TestDatabaseLocation } from '../support/test-database.js';

/**
 * The real server on each server engine (a schema or database of its own): management, a capped
 * token under parallel load, the usage ledger, the audit trail; then the engine lost and back.
 */

const chatBody = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });

async function chat(harness: Harness, token: string) {
  return rawRequest(harness.url, {
    method: 'POST',
    path: '/v1/chat/completions',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: chatBody,
  });
}

/** Polls `read` (bounded: 200 × 25 ms) until `done` holds; returns the last value. */
async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  let value = await read();
  for (let attempt = 0; attempt < 200 && !done(value); attempt++) {
    await sleep(25);
    value = await read();
  }
  return value;
}

const SERVER_ENGINES = await enginesUnderTest(['postgres', 'mysql']);
const PORTS = { postgres: 5432, mysql: 3306 } as const;

for (const { engine, name, unavailable } of SERVER_ENGINES) {
  describe.skipIf(unavailable !== undefined)(`the server on ${name}`, () => {
    let location: TestDatabaseLocation;
    let relay: TcpRelay;
    let harness: Harness;

    beforeAll(async () => {
      location = await createTestDatabaseLocation(engine as 'postgres' | 'mysql');
      // Through a relay, so that a test can cut the engine off without stopping the shared service.
      relay = await startTcpRelay(PORTS[engine as 'postgres' | 'mysql']);
      const url = new URL(location.options.url ?? '');
      url.port = String(relay.port);
      harness = await startHarness({ DB_DRIVER: engine, DATABASE_URL: url.toString(), AUDIT_LOG_FILE: '' });
    });
    afterAll(async () => {
      await harness?.close();
      await relay?.close();
      await location?.drop();
    });

    it('manages projects and tokens, admits exactly max_requests of 50 parallel requests, keeps the usage ledger and the audit trail', async () => {
      const capped = await harness.issueToken({ maxRequests: 17 });
      const upstreamBefore = harness.mock.received.length;
      const statuses = await Promise.all(Array.from({ length: 50 }, async () => (await chat(harness, capped.token)).status));
      expect(statuses.filter((status) => status === 200)).toHaveLength(17);
      expect(statuses.filter((status) => status === 429)).toHaveLength(33);
      expect(harness.mock.received.length - upstreamBefore).toBe(17);

      const token = await harness.manage<{ request_count: number; max_requests: number; is_active: boolean }>('GET', `/manage/tokens/${capped.tokenId}`);
      expect(token.body).toMatchObject({ request_count: 17, max_requests: 17, is_active: true });
      const projects = await harness.manage<{ id: string; name: string }[]>('GET', '/manage/projects');
      expect(projects.body.map((project) => project.id)).toContain(capped.projectId);

      const usage = await eventually(
        () => harness.manage<{ totals: { requests: number; errors: number } }>('GET', `/manage/usage?project_id=${capped.projectId}`),
        (response) => response.body.totals?.requests === 50,
      );
      expect(usage.body.totals).toMatchObject({ requests: 50, errors: 33 });

      const audit = await eventually(
        () => harness.manage<{ events: { action: string; project_id: string | null }[] }>('GET', `/manage/audit?project_id=${capped.projectId}&search=PROJECT`),
        (response) => (response.body.events ?? []).length > 0,
      );
      expect(audit.body.events.map((event) => event.action)).toContain('project.create');

      const revoked = await harness.manage('DELETE', `/manage/tokens/${capped.tokenId}`);
      expect(revoked.status).toBeLessThan(300);
      const deleted = await harness.manage('DELETE', `/manage/projects/${capped.projectId}`);
      expect(deleted.status).toBeLessThan(300);
    });

    it('two servers starting together on an empty database both start, and share one exact max_requests', async () => {
      const shared = await createTestDatabaseLocation(engine as 'postgres' | 'mysql');
      const settings = { DB_DRIVER: engine, DATABASE_URL: shared.options.url ?? '', AUDIT_LOG_FILE: '' };
      const servers = await Promise.all([startHarness(settings), startHarness(settings)]);
      try {
        const [first, second] = servers as [Harness, Harness];
        const capped = await first.issueToken({ maxRequests: 10 });
        const statuses = await Promise.all(Array.from({ length: 40 }, async (_, index) => (await chat(index % 2 === 0 ? first : second, capped.token)).status));
        expect(statuses.filter((status) => status === 200)).toHaveLength(10);
        expect(first.mock.received.length + second.mock.received.length).toBe(10);
        const seen = await second.manage<{ request_count: number }>('GET', `/manage/tokens/${capped.tokenId}`);
        expect(seen.body.request_count).toBe(10);
      } finally {
        await Promise.all(servers.map((server) => server.close()));
        await shared.drop();
      }
    });

    it('answers 503 service_unavailable while the engine is unreachable, keeps serving cached unlimited tokens, and recovers without restart', async () => {
      const unlimited = await harness.issueToken();
      const capped = await harness.issueToken({ maxRequests: 100 });
      expect((await chat(harness, unlimited.token)).status).toBe(200);
      expect((await chat(harness, capped.token)).status).toBe(200);
      // The first count reaches the database before the cut: a write cut mid-commit is ambiguous
      // (committed, or not, with the answer lost) and is written again, so it could count twice.
      await eventually(
        () => harness.manage<{ request_count: number }>('GET', `/manage/tokens/${unlimited.tokenId}`),
        (response) => response.body.request_count === 1,
      );

      relay.down();
      expect((await chat(harness, unlimited.token)).status).toBe(200); // from the token cache, counted behind
      const refused = await chat(harness, capped.token);
      expect([refused.status, errorCodeOf(refused)]).toEqual([503, 'service_unavailable']);
      const listing = await harness.manage<{ error: { code: string; message: string } }>('GET', '/manage/projects');
      expect(listing.status).toBe(503);
      expect(listing.body.error.code).toBe('service_unavailable');
      expect(listing.body.error.message).toMatch(/the database cannot be reached; try again shortly/);
      expect((await fetch(`${harness.url}/ready`)).status).toBe(503);

      relay.up();
      const back = await eventually(
        async () => (await chat(harness, capped.token)).status,
        (status) => status === 200,
      );
      expect(back).toBe(200);
      expect((await fetch(`${harness.url}/ready`)).status).toBe(200);
      // Counts written behind while the engine was away reach it once it is back.
      const counted = await eventually(
        () => harness.manage<{ request_count: number }>('GET', `/manage/tokens/${unlimited.tokenId}`),
        (response) => response.body.request_count === 2,
      );
      expect(counted.body.request_count).toBe(2);
    });
  });
}
