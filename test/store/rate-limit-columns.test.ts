import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { migrations } from '../../src/store/migrations/index.js';
import type { DatabaseSchema } from '../../src/store/schema/index.js';
import { findCredential, findProject, insertToken, openDatabase, updateProject, updateToken } from '../../src/store/index.js';
import { makeTempDir } from '../support/temp-dir.js';

const now = new Date('2026-05-01T12:00:00.000Z');

describe('requests_per_minute columns (migration 0005)', () => {
  const temp = makeTempDir('llm-proxy-rate-limits-');
  afterEach(() => temp.remove());

  function migrator(db: Kysely<DatabaseSchema>): Migrator {
    return new Migrator({ db, provider: { getMigrations: async () => migrations } });
  }

  it('upgrades a database of 0004 (existing rows: no limit), stores and clears limits, and migrates down again', async () => {
    const path = join(temp.dir, 'old.db');
    const old = new Kysely<DatabaseSchema>({ dialect: new SqliteDialect({ database: new SQLite(path) }) });
    try {
      expect((await migrator(old).migrateTo('0004-audit-events')).error).toBeUndefined();
      const stamp = now.toISOString();
      await old.insertInto('projects').values({ id: 'p-old', name: 'old', api_key: 'sk-old', is_active: 1, created_at: stamp, updated_at: stamp }).execute();
    } finally {
      await old.destroy();
    }

    const database = await openDatabase({ driver: 'sqlite', path });
    try {
      expect(await findProject(database, 'p-old')).toMatchObject({ requestsPerMinute: null });
      const token = await insertToken(database, { tokenHash: 'h-1', hint: 'sk-AAAA…ZZZZ', projectId: 'p-old', expiresAt: null, maxRequests: null, requestsPerMinute: 30, now });
      expect(token.requestsPerMinute).toBe(30);
      await updateProject(database, 'p-old', { requestsPerMinute: 100 }, now);
      expect((await findCredential(database, 'h-1'))?.project.requestsPerMinute).toBe(100);
      expect((await updateToken(database, token.id, { requestsPerMinute: null }, now))?.requestsPerMinute).toBeNull();
      expect((await updateToken(database, token.id, { maxRequests: 5 }, now))?.requestsPerMinute).toBeNull();
    } finally {
      await database.close();
    }

    const downgraded = new Kysely<DatabaseSchema>({ dialect: new SqliteDialect({ database: new SQLite(path) }) });
    try {
      expect((await migrator(downgraded).migrateTo('0004-audit-events')).error).toBeUndefined();
      const columns = (await downgraded.introspection.getTables()).find((table) => table.name === 'tokens')?.columns.map((column) => column.name);
      expect(columns).not.toContain('requests_per_minute');
    } finally {
      await downgraded.destroy();
    }
  });
});
