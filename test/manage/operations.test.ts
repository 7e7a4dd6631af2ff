import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createProject, issueToken, type OperationDeps } from '../../src/manage/index.js';
import { createApiKeyCipher } from '../../src/security/index.js';
import { openTestDatabase } from '../support/test-database.js';

describe('token lifetimes (shared by the API and setup)', () => {
  let db: Awaited<ReturnType<typeof openTestDatabase>>;
  let deps: OperationDeps;
  beforeEach(async () => {
    db = await openTestDatabase();
    deps = { database: db.database, cipher: createApiKeyCipher(undefined), now: () => new Date() };
  });
  afterEach(() => db.dispose());

  it.each([1, 59_999, 366 * 24 * 3_600_000, Number.NaN])('refuses %s ms', async (durationMs) => {
    const project = await createProject(deps, { name: 'p', apiKey: 'sk-upstream-key-0123456789' });
    await expect(issueToken(deps, { projectId: project.id, durationMs, maxRequests: null })).rejects.toMatchObject({
      code: 'invalid_request',
      message: 'token lifetime must be between one minute and one year',
    });
  });

  it('accepts exactly one minute', async () => {
    const project = await createProject(deps, { name: 'p', apiKey: 'sk-upstream-key-0123456789' });
    const { token } = await issueToken(deps, { projectId: project.id, durationMs: 60_000, maxRequests: null });
    expect(token.expiresAt!.getTime() - token.createdAt.getTime()).toBe(60_000);
  });
});
