import type SQLite from 'better-sqlite3';
import type { SqliteDatabase } from 'kysely';

/** Distinct SQL texts kept prepared; past this the oldest goes (lists of varying length make new texts). */
const MAX_STATEMENTS = 256;

/**
 * The connection as Kysely's SQLite dialect sees it, with each statement prepared once per SQL
 * text instead of on every query: the write-behind runs the same few UPDATEs many times a second,
 * and preparing is most of what a small query costs. A statement is only ever run to completion
 * (`all`, `run`), never iterated, so reusing one is safe; SQLite prepares it again by itself
 * when the schema changes.
 */
export function withPreparedStatements(connection: SQLite.Database): SqliteDatabase {
  const statements = new Map<string, SQLite.Statement>();
  return {
    prepare(sql) {
      let statement = statements.get(sql);
      if (statement === undefined) {
        statement = connection.prepare(sql);
        if (statements.size >= MAX_STATEMENTS) statements.delete(statements.keys().next().value as string);
        statements.set(sql, statement);
      }
      return statement;
    },
    close: () => connection.close(),
  };
}
