import type { Kysely } from 'kysely';

// Frozen in time: this migration must keep producing the same schema, whatever the app types say.
// Optional requests-per-minute limits of tokens and projects (null = none). One column per
// statement: SQLite adds only one column per ALTER TABLE. Schema builder only: every engine runs it.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('tokens').addColumn('requests_per_minute', 'integer').execute();
  await db.schema.alterTable('projects').addColumn('requests_per_minute', 'integer').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('projects').dropColumn('requests_per_minute').execute();
  await db.schema.alterTable('tokens').dropColumn('requests_per_minute').execute();
}
