import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { withPreparedStatements } from '../../src/store/sqlite-statements.js';
import { makeTempDir } from '../support/temp-dir.js';

describe('withPreparedStatements', () => {
  let temp: ReturnType<typeof makeTempDir>;
  let connection: SQLite.Database;

  beforeEach(() => {
    temp = makeTempDir('llm-proxy-statements-');
    connection = new SQLite(join(temp.dir, 'db.sqlite'));
  });
  afterEach(() => {
    if (connection.open) connection.close();
    temp.remove();
  });

  it('prepares each SQL text once and hands back the same statement', () => {
    const database = withPreparedStatements(connection);
    const first = database.prepare('select 1 as one');
    expect(database.prepare('select 1 as one')).toBe(first);
    expect(database.prepare('select 2 as two')).not.toBe(first);
  });

  it('runs the same statement again and again with new parameters, and sees a schema changed after it was prepared', async () => {
    const db = new Kysely<{ counters: { id: string; hits: number; note?: string | null } }>({
      dialect: new SqliteDialect({ database: withPreparedStatements(connection) }),
    });
    await sql`create table counters (id text primary key, hits integer not null)`.execute(db);
    await db.insertInto('counters').values([{ id: 'a', hits: 0 }, { id: 'b', hits: 0 }]).execute();
    for (let round = 0; round < 3; round++) {
      for (const id of ['a', 'b']) await db.updateTable('counters').set((eb) => ({ hits: eb('hits', '+', 1) })).where('id', '=', id).execute();
    }
    expect(await db.selectFrom('counters').selectAll().orderBy('id').execute()).toEqual([
      { id: 'a', hits: 3 },
      { id: 'b', hits: 3 },
    ]);
    await sql`alter table counters add column note text`.execute(db);
    expect(await db.selectFrom('counters').selectAll().orderBy('id').execute()).toEqual([
      { id: 'a', hits: 3, note: null },
      { id: 'b', hits: 3, note: null },
    ]);
    await db.destroy();
    expect(connection.open).toBe(false);
  });

  it('keeps at most 256 texts, the oldest going first', () => {
    const database = withPreparedStatements(connection);
    const oldest = database.prepare('select 0');
    for (let index = 1; index <= 256; index++) database.prepare(`select ${index}`);
    expect(database.prepare('select 0')).not.toBe(oldest);
    expect(database.prepare('select 256')).toBe(database.prepare('select 256'));
  });
});
