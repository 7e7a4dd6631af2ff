import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateWitheringToken, hashToken } from '../../src/security/index.js';
import { insertToken, openDatabase } from '../../src/store/index.js';
import { startHarness, type Harness } from '../support/proxy-harness.js';

describe('unknown tokens (real server)', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness();
  });
  afterAll(() => harness.close());

  it('forgets the unknown tokens it remembered when a token is created through the management API', async () => {
    const { projectId } = await harness.issueToken();
    const plaintext = generateWitheringToken();
    const call = () => fetch(`${harness.url}/v1/models`, { headers: { authorization: `Bearer ${plaintext}` } });
    const unknown = await call();
    expect(unknown.status).toBe(401);
    expect(await unknown.json()).toMatchObject({ error: { code: 'token_not_found' } });

    // Written by another process (as `llm-proxy setup` does): this server is not told about it.
    const outside = await openDatabase({ driver: 'sqlite', path: harness.dbPath });
    await insertToken(outside, { tokenHash: hashToken(plaintext), hint: 'sk-AAAA…ZZZZ', projectId, expiresAt: null, maxRequests: null, now: new Date() });
    await outside.close();

    const created = await harness.manage('POST', '/manage/tokens', { project_id: projectId, duration_hours: 1 });
    expect(created.status).toBe(201);
    expect((await call()).status).toBe(200);
  });
});
