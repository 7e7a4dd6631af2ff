import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { holdWriteLock } from '../support/lock-holder.js';
import { rawRequest } from '../support/http.js';
import { startHarness, type Harness } from '../support/proxy-harness.js';
import { auditRows, listAudit, waitForAuditFile } from './audit-support.js';

const HOLD_MS = 4_000;

describe('audit while another process holds the database write lock', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness({ DATABASE_LOCK_TIMEOUT: '1s' });
  });
  afterAll(() => harness.close());

  it('answers management calls without waiting for their records, which land once the lock is gone', async () => {
    const lock = await holdWriteLock(harness.dbPath, HOLD_MS);
    // Calls that need no database write themselves: refused tokens, a token for a missing project (a read), cache purges.
    const answered: { status: number; at: number }[] = [];
    for (let i = 0; i < 5; i++) {
      const refused = await rawRequest(harness.url, { path: '/manage/projects', headers: { authorization: `Bearer guess-${i}` } });
      answered.push({ status: refused.status, at: Date.now() });
      const missing = await harness.manage('POST', '/manage/tokens', { project_id: `missing-${i}` });
      answered.push({ status: missing.status, at: Date.now() });
    }
    for (let i = 0; i < 2; i++) {
      const purge = await harness.manage('DELETE', '/manage/cache');
      answered.push({ status: purge.status, at: Date.now() });
    }
    // The file has them while the lock is still held; the table does not yet.
    const fileRecords = await waitForAuditFile(join(dirname(harness.dbPath), 'audit.log'), 12);
    const rowsDuringLock = (await auditRows(harness)).length;
    const releasedAt = await lock.released;

    expect(answered.map((call) => call.status)).toEqual([401, 404, 401, 404, 401, 404, 401, 404, 401, 404, 200, 200]);
    for (const call of answered) expect(call.at).toBeLessThan(releasedAt);
    expect(fileRecords).toHaveLength(12);
    expect(rowsDuringLock).toBe(0);

    const { events } = await listAudit(harness);
    expect(events.map((event) => event.id)).toEqual(fileRecords.map((record) => record.id).reverse());
    expect(events.filter((event) => event.action === 'management.auth' && event.outcome === 'denied')).toHaveLength(5);
    expect(events.filter((event) => event.action === 'token.create' && event.outcome === 'failure')).toHaveLength(5);
    expect(events.filter((event) => event.action === 'cache.purge' && event.outcome === 'success')).toHaveLength(2);
  });
});
