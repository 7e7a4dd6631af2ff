import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { holdWriteLock } from '../support/lock-holder.js';
import { startHarness, type Harness } from '../support/proxy-harness.js';

const HOLD_MS = 6_000;

describe('another process holding the database write lock', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness({ DATABASE_LOCK_TIMEOUT: '1s' });
  });
  afterAll(() => harness.close());

  it('never freezes the server: health and cached tokens answer, capped tokens and management writes get 503, nothing is lost', async () => {
    const unlimited = await harness.issueToken();
    const capped = await harness.issueToken({ maxRequests: 10 });
    const call = (token: string) => fetch(`${harness.url}/v1/models`, { headers: { authorization: `Bearer ${token}` } });
    const answered = async (response: Promise<Response>) => {
      const settled = await response;
      return { status: settled.status, body: await settled.text(), at: Date.now() };
    };
    expect((await call(unlimited.token)).status).toBe(200); // cached from now on
    expect((await call(capped.token)).status).toBe(200);

    const lock = await holdWriteLock(harness.dbPath, HOLD_MS);
    const cachedCalls = [];
    for (let i = 0; i < 20; i++) cachedCalls.push(await answered(call(unlimited.token)));
    await sleep(200); // the write-behind meets the lock meanwhile

    const health = await answered(fetch(`${harness.url}/health`));
    const live = await answered(fetch(`${harness.url}/live`));
    const cappedCall = answered(call(capped.token));
    const projectCreation = answered(
      fetch(`${harness.url}/manage/projects`, {
        method: 'POST',
        headers: { authorization: 'Bearer test-management-token', 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'created-under-lock', api_key: 'sk-some-upstream-key' }),
      }),
    );
    await sleep(50);
    const healthWhileWaiting = await answered(fetch(`${harness.url}/health`));
    const [refusedCapped, refusedCreation] = await Promise.all([cappedCall, projectCreation]);
    const releasedAt = await lock.released;

    console.log(
      `lock held ${HOLD_MS} ms: /health after ${health.at - (releasedAt - HOLD_MS)} ms, ` +
        `capped 503 after ${refusedCapped.at - (releasedAt - HOLD_MS)} ms, management 503 after ${refusedCreation.at - (releasedAt - HOLD_MS)} ms`,
    );
    expect(cachedCalls.map((call) => call.status)).toEqual(Array(20).fill(200));
    expect([health.status, live.status, healthWhileWaiting.status]).toEqual([200, 200, 200]);
    expect(refusedCapped.status).toBe(503);
    expect(JSON.parse(refusedCapped.body)).toMatchObject({ error: { code: 'service_unavailable', message: expect.stringMatching(/database is locked/) } });
    expect(refusedCreation.status).toBe(503);
    expect(JSON.parse(refusedCreation.body)).toMatchObject({ error: { code: 'service_unavailable', message: expect.stringMatching(/database is locked/) } });
    // Answered while the other process still held the lock, and /health did not wait for the management write.
    for (const response of [...cachedCalls, health, live, healthWhileWaiting, refusedCapped, refusedCreation]) expect(response.at).toBeLessThan(releasedAt);
    expect(healthWhileWaiting.at).toBeLessThan(refusedCreation.at);

    // Released: everything works again and the counts written behind during the hold are all there.
    expect((await call(capped.token)).status).toBe(200);
    const created = await harness.manage('POST', '/manage/projects', { name: 'created-after-lock', api_key: 'sk-some-upstream-key' });
    expect(created.status).toBe(201);
    const unlimitedRow = await harness.manage<{ request_count: number }>('GET', `/manage/tokens/${unlimited.tokenId}`);
    const cappedRow = await harness.manage<{ request_count: number }>('GET', `/manage/tokens/${capped.tokenId}`);
    expect(unlimitedRow.body.request_count).toBe(21);
    expect(cappedRow.body.request_count).toBe(2); // the refused request is not charged
  });
});
