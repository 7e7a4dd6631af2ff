import { sql, type Kysely } from 'kysely';

// Frozen in time: this migration must keep producing the same schema, whatever the app types say.
// The Go original's audit_events columns and indexes. No foreign keys: a record outlives the
// project or token it names.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('audit_events')
    .addColumn('id', 'varchar(36)', (col) => col.primaryKey())
    .addColumn('timestamp', 'varchar(32)', (col) => col.notNull())
    .addColumn('action', 'varchar(255)', (col) => col.notNull())
    .addColumn('actor', 'varchar(255)', (col) => col.notNull())
    .addColumn('project_id', 'varchar(255)')
    .addColumn('request_id', 'varchar(255)')
    .addColumn('correlation_id', 'varchar(255)')
    .addColumn('client_ip', 'varchar(45)')
    .addColumn('method', 'varchar(10)')
    .addColumn('path', 'text')
    .addColumn('user_agent', 'text')
    .addColumn('reason', 'text')
    .addColumn('token_id', 'varchar(255)')
    .addColumn('metadata', 'text')
    .addColumn('outcome', 'varchar(20)', (col) => col.notNull())
    .addCheckConstraint('audit_events_outcome_check', sql`outcome in ('success', 'failure', 'denied', 'error')`)
    .execute();

  const indexes: [string, string[]][] = [
    ['idx_audit_timestamp', ['timestamp']],
    ['idx_audit_action', ['action']],
    ['idx_audit_project_id', ['project_id']],
    ['idx_audit_client_ip', ['client_ip']],
    ['idx_audit_request_id', ['request_id']],
    ['idx_audit_outcome', ['outcome']],
    ['idx_audit_ip_action', ['client_ip', 'action']],
  ];
  for (const [name, columns] of indexes) await db.schema.createIndex(name).on('audit_events').columns(columns).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('audit_events').execute();
}
