import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrations } from '../../src/store/migrations/index.js';
import type { DatabaseSchema } from '../../src/store/schema/index.js';
import {
  DatabaseLockedError,
  consumeLimitedRequest,
  createUsageWriter,
  deleteProject,
  findCredential,
  insertAuditEvents,
  listAuditEvents,
  findTokenById,
  insertProject,
  insertToken,
  isUniqueViolation,
  listProjects,
  listTokens,
  openDatabase,
  revokeProjectTokens,
  updateProject,
  type Database,
} from '../../src/store/index.js';
import { makeTempDir } from '../support/temp-dir.js';
import { enginesUnderTest, openTestDatabase, type TestDatabase } from '../support/test-database.js';

for (const { engine, name, unavailable } of await enginesUnderTest())
describe.skipIf(unavailable !== undefined)(`store (${name})`, () => {
  let db: TestDatabase;
  let database: Database;
  const now = new Date('2026-05-01T12:00:00.000Z');

  beforeEach(async () => {
    db = await openTestDatabase({ engine });
    database = db.database;
  });
  afterEach(() => db.dispose());

  async function project(name = 'p') {
    return insertProject(database, { name, storedApiKey: 'enc:v1:abc', now });
  }
  async function token(projectId: string, maxRequests: number | null = null, hash = `h-${Math.random()}`) {
    return insertToken(database, { tokenHash: hash, hint: 'sk-AAAA…ZZZZ', projectId, expiresAt: new Date(now.getTime() + 3_600_000), maxRequests, now });
  }

  it('migrates once and reopens an existing database', async () => {
    await project('kept');
    await database.close();
    database = await openDatabase({ driver: engine, path: db.path, url: db.url });
    db = { ...db, database, dispose: db.dispose };
    expect((await listProjects(database)).map((p) => p.name)).toEqual(['kept']);
  });

  if (engine === 'sqlite')
  it("upgrades a database of the first schema: existing projects get no OpenAI ids, new ones keep theirs", async () => {
    const temp = makeTempDir('llm-proxy-upgrade-');
    const path = join(temp.dir, 'old.db');
    const old = new Kysely<DatabaseSchema>({ dialect: new SqliteDialect({ database: new SQLite(path) }) });
    try {
      const { error } = await new Migrator({ db: old, provider: { getMigrations: async () => migrations } }).migrateTo('0001-projects-and-tokens');
      expect(error).toBeUndefined();
      const stamp = now.toISOString();
      await old.insertInto('projects').values({ id: 'p-old', name: 'old', api_key: 'sk-old', is_active: 1, created_at: stamp, updated_at: stamp }).execute();
    } finally {
      await old.destroy();
    }
    const upgraded = await openDatabase({ driver: 'sqlite', path });
    try {
      expect((await listProjects(upgraded))[0]).toMatchObject({ id: 'p-old', openaiOrganization: null, openaiProject: null });
      const changed = await updateProject(upgraded, 'p-old', { openaiOrganization: 'org-1', openaiProject: 'proj_1' }, now);
      expect(changed).toMatchObject({ openaiOrganization: 'org-1', openaiProject: 'proj_1' });
      const cleared = await updateProject(upgraded, 'p-old', { openaiOrganization: null }, now);
      expect(cleared).toMatchObject({ openaiOrganization: null, openaiProject: 'proj_1' });
    } finally {
      await upgraded.close();
      temp.remove();
    }
  });

  it('round-trips projects and tokens with their types', async () => {
    const p = await project();
    const t = await token(p.id, 5, 'hash-1');
    const credential = await findCredential(database, 'hash-1');
    expect(credential?.project).toEqual(p);
    expect(credential?.token).toEqual(t);
    expect(t).toMatchObject({ isActive: true, requestCount: 0, maxRequests: 5, cacheHitCount: 0, lastUsedAt: null });
    expect(t.expiresAt?.toISOString()).toBe('2026-05-01T13:00:00.000Z');
  });

  it('reports duplicate names as unique violations', async () => {
    await project('same');
    const error = await project('same').catch((caught: unknown) => caught);
    expect(isUniqueViolation(error)).toBe(true);
  });

  it('counts a limited token exactly, refusing past the limit, when revoked or expired', async () => {
    const p = await project();
    const t = await token(p.id, 3);
    const results = await Promise.all(Array.from({ length: 10 }, () => consumeLimitedRequest(database, t.id, now)));
    expect(results.filter(Boolean)).toHaveLength(3);
    expect((await findTokenById(database, t.id))?.requestCount).toBe(3);

    const other = await token(p.id, 100);
    expect(await consumeLimitedRequest(database, other.id, new Date(now.getTime() + 3_600_000))).toBe(false); // at expiry
    await revokeProjectTokens(database, p.id, now);
    expect(await consumeLimitedRequest(database, other.id, now)).toBe(false);
  });

  it('writes an audit batch sent again (its commit unconfirmed) once', async () => {
    const record = {
      id: '01900000-0000-7000-8000-000000000001',
      timestamp: now,
      action: 'project.create',
      actor: 'system',
      outcome: 'success' as const,
      projectId: null,
      tokenId: null,
      requestId: null,
      correlationId: null,
      clientIp: null,
      method: null,
      path: null,
      userAgent: null,
      reason: null,
      metadata: { name: 'Project' },
    };
    await insertAuditEvents(database, [record]);
    await insertAuditEvents(database, [record]);
    const page = await listAuditEvents(database, { search: 'PROJECT' }, { offset: 0, limit: 10 });
    expect([page.totalCount, page.events[0]?.id]).toEqual([1, record.id]);
  });

  it('deactivates and reactivates projects with deactivated_at', async () => {
    const p = await project();
    const off = await updateProject(database, p.id, { isActive: false }, now);
    expect(off?.deactivatedAt).toEqual(now);
    const on = await updateProject(database, p.id, { isActive: true }, now);
    expect([on?.isActive, on?.deactivatedAt]).toEqual([true, null]);
  });

  it('deletes a project with its tokens', async () => {
    const p = await project();
    await token(p.id);
    await token(p.id);
    expect(await deleteProject(database, p.id)).toEqual({ deleted: true, tokensDeleted: 2 });
    expect(await listTokens(database, { now })).toEqual([]);
    expect(await deleteProject(database, p.id)).toEqual({ deleted: false, tokensDeleted: 0 });
  });

  it('writes usage behind in one batch per flush, summing per token', async () => {
    const p = await project();
    const a = await token(p.id);
    const b = await token(p.id);
    const usage = createUsageWriter(database, { flushIntervalMs: 60_000 });
    for (let i = 0; i < 5; i++) usage.recordRequest(a.id, now.getTime() + i);
    usage.recordRequest(b.id, now.getTime());
    usage.recordCacheHit(b.id, now.getTime() + 50);
    await usage.close();
    expect(await findTokenById(database, a.id)).toMatchObject({ requestCount: 5, lastUsedAt: new Date(now.getTime() + 4) });
    expect(await findTokenById(database, b.id)).toMatchObject({ requestCount: 1, cacheHitCount: 1, lastUsedAt: new Date(now.getTime() + 50) });
  });

  it('keeps counts that could not be written and writes them with the next batch', async () => {
    const p = await project();
    const a = await token(p.id);
    const usage = createUsageWriter(database, { flushIntervalMs: 60_000 });
    usage.recordRequest(a.id, now.getTime());
    await database.db.schema.alterTable('tokens').renameTo('tokens_away').execute();
    await expect(usage.flush()).rejects.toThrow();
    await database.db.schema.alterTable('tokens_away').renameTo('tokens').execute();
    usage.recordRequest(a.id, now.getTime());
    await usage.close();
    expect((await findTokenById(database, a.id))?.requestCount).toBe(2);
  });

  if (engine === 'sqlite')
  describe('while another SQLite connection holds the write lock', () => {
    let outside: SQLite.Database;
    beforeEach(async () => {
      await db.dispose();
      db = await openTestDatabase({ lockTimeoutMs: 300 });
      database = db.database;
      outside = new SQLite(db.path);
    });
    afterEach(() => {
      if (outside.inTransaction) outside.exec('COMMIT');
      outside.close();
    });

    it('waits on timers, never on the event loop, and gives up with DatabaseLockedError (503)', async () => {
      const t = await token((await project()).id, 5);
      outside.exec('BEGIN IMMEDIATE');
      let ticks = 0;
      const ticker = setInterval(() => (ticks += 1), 10);
      const refused = await consumeLimitedRequest(database, t.id, now).catch((caught: unknown) => caught);
      clearInterval(ticker);
      expect(refused).toBeInstanceOf(DatabaseLockedError);
      expect(refused).toMatchObject({ code: 'service_unavailable', statusCode: 503, message: expect.stringMatching(/database is locked/) });
      expect(ticks).toBeGreaterThan(0); // timers ran while the write waited
      expect(await findTokenById(database, t.id)).toMatchObject({ requestCount: 0 }); // reads are not blocked
      outside.exec('COMMIT');
      expect(await consumeLimitedRequest(database, t.id, now)).toBe(true);
    });

    it('goes through once the lock is released within the wait', async () => {
      const t = await token((await project()).id, 5);
      outside.exec('BEGIN IMMEDIATE');
      setTimeout(() => outside.exec('COMMIT'), 50);
      expect(await consumeLimitedRequest(database, t.id, now)).toBe(true);
    });

    it('keeps usage counts written behind until the lock is released, losing none', async () => {
      const a = await token((await project()).id);
      const usage = createUsageWriter(database, { flushIntervalMs: 60_000 });
      outside.exec('BEGIN IMMEDIATE');
      for (let i = 0; i < 3; i++) usage.recordRequest(a.id, now.getTime());
      await expect(usage.flush()).rejects.toBeInstanceOf(DatabaseLockedError);
      usage.recordRequest(a.id, now.getTime());
      outside.exec('COMMIT');
      await usage.close();
      expect((await findTokenById(database, a.id))?.requestCount).toBe(4);
    });
  });
});
