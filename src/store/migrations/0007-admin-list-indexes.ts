import type { Kysely } from 'kysely';
import { isMysql } from './engine.js';

// Frozen in time: this migration must keep producing the same schema, whatever the app types say.
// Indexes behind the admin UI's pages at 10,000 tokens (store/token-pages.ts, usage-hourly.ts):
// - a page of tokens, newest first, of all projects or of one, read in index order (no sort of
//   every token to show 50);
// - expired tokens found by their expiry (the other states are read in created_at order: an index
//   led by is_active made SQLite sort every live token to show a page of them);
// - a token's usage over a time range, which had no index of its own (a scan of the ledger).
// Schema builder only: every engine runs it.

const INDEXES: readonly [name: string, table: string, columns: string[]][] = [
  ['idx_tokens_created_at', 'tokens', ['created_at', 'id']],
  ['idx_tokens_project_created_at', 'tokens', ['project_id', 'created_at', 'id']],
  ['idx_tokens_expires_at', 'tokens', ['expires_at']],
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
