import type { Kysely } from 'kysely';

// Frozen in time: this migration must keep producing the same schema, whatever the app types say.
// One column per statement: SQLite adds only one column per ALTER TABLE.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('projects').addColumn('openai_organization', 'varchar(255)').execute();
  await db.schema.alterTable('projects').addColumn('openai_project', 'varchar(255)').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('projects').dropColumn('openai_project').execute();
  await db.schema.alterTable('projects').dropColumn('openai_organization').execute();
}
