import type { Kysely } from 'kysely';

// Frozen in time: this migration must keep producing the same schema, whatever the app types say.
// No foreign keys: the ledger keeps the usage of deleted projects and tokens (it is an account of
// what was spent), and a batch written behind must never fail on a row deleted since.

const COUNTERS = [
  'requests',
  'errors',
  'upstream_calls',
  'prompt_tokens',
  'completion_tokens',
  'cached_tokens',
  'reasoning_tokens',
  'total_tokens',
  'cache_hits',
  'estimated_calls',
] as const;

export async function up(db: Kysely<any>): Promise<void> {
  let table = db.schema
    .createTable('usage_hourly')
    .addColumn('hour_start', 'varchar(32)', (col) => col.notNull())
    .addColumn('project_id', 'varchar(36)', (col) => col.notNull())
    .addColumn('token_id', 'varchar(36)', (col) => col.notNull());
  for (const counter of COUNTERS) table = table.addColumn(counter, 'bigint', (col) => col.notNull().defaultTo(0));
  await table
    .addColumn('upstream_ms', 'double precision', (col) => col.notNull().defaultTo(0))
    .addPrimaryKeyConstraint('usage_hourly_pk', ['hour_start', 'project_id', 'token_id'])
    .execute();
  // Time ranges of one project; ranges over every project use the primary key (hour_start first).
  await db.schema.createIndex('idx_usage_hourly_project_hour').on('usage_hourly').columns(['project_id', 'hour_start']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('usage_hourly').execute();
}
