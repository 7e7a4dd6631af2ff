import type { Kysely } from 'kysely';
import { isMysql } from './engine.js';

// Frozen in time: this migration must keep producing the same schema, whatever the app types say.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('projects')
    .addColumn('id', 'varchar(36)', (col) => col.primaryKey())
    .addColumn('name', 'varchar(255)', (col) => col.notNull().unique())
    .addColumn('api_key', 'text', (col) => col.notNull())
    .addColumn('is_active', 'boolean', (col) => col.notNull().defaultTo(true))
    .addColumn('deactivated_at', 'varchar(32)')
    .addColumn('created_at', 'varchar(32)', (col) => col.notNull())
    .addColumn('updated_at', 'varchar(32)', (col) => col.notNull())
    .execute();

  const mysql = isMysql(db);
  let tokens = db.schema
    .createTable('tokens')
    .addColumn('id', 'varchar(36)', (col) => col.primaryKey())
    .addColumn('token_hash', 'varchar(64)', (col) => col.notNull().unique())
    .addColumn('token_hint', 'varchar(32)', (col) => col.notNull())
    .addColumn('project_id', 'varchar(36)', (col) => (mysql ? col.notNull() : col.notNull().references('projects.id').onDelete('cascade')))
    .addColumn('expires_at', 'varchar(32)')
    .addColumn('is_active', 'boolean', (col) => col.notNull().defaultTo(true))
    .addColumn('request_count', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('max_requests', 'integer')
    .addColumn('cache_hit_count', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('created_at', 'varchar(32)', (col) => col.notNull())
    .addColumn('last_used_at', 'varchar(32)')
    .addColumn('deactivated_at', 'varchar(32)');
  if (mysql) tokens = tokens.addForeignKeyConstraint('fk_tokens_project_id', ['project_id'], 'projects', ['id'], (fk) => fk.onDelete('cascade'));
  await tokens.execute();

  await db.schema.createIndex('idx_tokens_project_id').on('tokens').column('project_id').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('tokens').execute();
  await db.schema.dropTable('projects').execute();
}
