import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { findProject, insertProject, insertToken, listTokenPage, updateProject, updateToken, type Database, type TokenState } from '../../src/store/index.js';
import { presentToken } from '../../src/manage/presenters.js';
import { enginesUnderTest, openTestDatabase } from '../support/test-database.js';

// The state filters are SQL of their own on each engine (NOT IN a subquery, booleans as 0/1 or true/false).
for (const { engine, name, unavailable } of await enginesUnderTest())
describe.skipIf(unavailable !== undefined)(`listTokenPage on ${name}`, () => {
  let database: Database;
  let dispose: () => Promise<void>;
  const now = new Date('2026-06-01T12:00:00Z');
  const hour = 3_600_000;

  beforeEach(async () => {
    ({ database, dispose } = await openTestDatabase({ engine }));
  });
  afterEach(async () => dispose());

  async function token(projectId: string, name: string, options: { expiresInMs?: number | null; maxRequests?: number | null } = {}) {
    const expires = options.expiresInMs === null ? null : new Date(now.getTime() + (options.expiresInMs ?? hour));
    return insertToken(database, { tokenHash: `hash-${name}`, hint: name, projectId, expiresAt: expires, maxRequests: options.maxRequests ?? null, now });
  }

  it('filters by the same state the management API shows for each token, and pages newest first with the total', async () => {
    const live = await insertProject(database, { name: 'live', storedApiKey: 'k', now });
    const off = await insertProject(database, { name: 'off', storedApiKey: 'k', now });
    await token(live.id, 'active');
    await token(live.id, 'forever', { expiresInMs: null });
    await token(live.id, 'expired', { expiresInMs: -hour });
    const revoked = await token(live.id, 'revoked');
    await updateToken(database, revoked.id, { isActive: false }, now);
    const capped = await token(live.id, 'exhausted', { maxRequests: 1 });
    await database.db.updateTable('tokens').set({ request_count: 1 }).where('id', '=', capped.id).execute();
    await token(live.id, 'capped-but-left', { maxRequests: 5 });
    await token(off.id, 'of-inactive-project');
    await updateProject(database, off.id, { isActive: false }, now);

    const all = await listTokenPage(database, { now, limit: 100, offset: 0 });
    expect(all.total).toBe(7);
    // The SQL filter agrees with the presenter's status, token by token.
    for (const state of ['active', 'expired', 'revoked', 'exhausted', 'project_inactive'] as TokenState[]) {
      const page = await listTokenPage(database, { now, state, limit: 100, offset: 0 });
      const expected: string[] = [];
      for (const each of all.tokens) {
        const project = await findProject(database, each.projectId);
        if (project && presentToken(each, project, now).status === state) expected.push(each.hint);
      }
      expect(page.tokens.map((each) => each.hint).sort()).toEqual(expected.sort());
      expect(page.total).toBe(expected.length);
    }
    expect((await listTokenPage(database, { now, state: 'active', limit: 100, offset: 0 })).tokens.map((each) => each.hint).sort()).toEqual(['active', 'capped-but-left', 'forever']);

    const second = await listTokenPage(database, { now, projectId: live.id, limit: 2, offset: 2 });
    expect(second.total).toBe(6);
    expect(second.tokens).toHaveLength(2);
  });
});
