import type { Kysely } from 'kysely';
import { isMysql } from './engine.js';

// Frozen in time: this migration must keep producing the same schema, whatever the app types say.
// Indexes behind the admin UI's pages at 10,000 tokens (store/token-pages.ts, usage-hourly.ts):
// - a page of tokens, newest first, of all projects or of one, read in index order (no sort of
//   every token to show 50);
// - no index for the states (active, expired, …): read in created_at order and tested row by row,
//   10,000 tokens take a few ms. Without statistics (no ANALYZE) SQLite took an index led by
//   is_active to sort every live token for a page, and one on expires_at to count the active ones
//   through a MULTI-INDEX OR, each 5-10 times slower than the scan;
// - a token's usage over a time range, which had no index of its own (a scan of the ledger).
// Schema builder only: every engine runs it.

const INDEXES: readonly [name: string, table: string, columns: string[]][] = [
  ['idx_tokens_created_at', 'tokens', ['created_at', 'id']],
  ['idx_tokens_project_created_at', 'tokens', ['project_id', 'created_at', 'id']],
  ['idx_usage_hourly_token_hour', 'usage_hourly', ['token_id', 'hour_start']],
];

export async function up(db: Kysely<any>): Promise<void> {
  for (const [name, table, columns] of INDEXES) await db.schema.createIndex(name).on(table).columns(columns).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  // MySQL names the table in DROP INDEX; the others accept only the name.
  const mysql = isMysql(db);
  for (const [name, table] of [...INDEXES].reverse()) {
    const drop = db.schema.dropIndex(name);
    await (mysql ? drop.on(table) : drop).execute();
  }
}
