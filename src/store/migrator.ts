import { Migrator, sql, type MigrationResultSet } from 'kysely';
import type { Database } from './database.js';
import { migrations } from './migrations/index.js';

export class MigrationError extends Error {
  override readonly name = 'MigrationError';
}

/**
 * Kysely's Migrator over our static list. It takes the engine's lock for the whole run
 * (pg_advisory_lock on PostgreSQL, GET_LOCK on MySQL, the write lock of a transaction on
 * SQLite), so instances starting together apply each migration exactly once. On PostgreSQL its
 * bookkeeping tables live in the connection's current schema (the first of search_path): Kysely
 * would otherwise take a `kysely_migration` table of any schema for ours.
 */
async function migratorOf(database: Database): Promise<Migrator> {
  let migrationTableSchema: string | undefined;
  if (database.dialect === 'postgres') {
    const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(database.db);
    migrationTableSchema = rows[0]?.schema;
  }
  return new Migrator({ db: database.db, provider: { getMigrations: async () => migrations }, ...(migrationTableSchema !== undefined && { migrationTableSchema }) });
}

/** Names of the migrations a run applied (or reverted); throws MigrationError naming the failed one. */
function outcome(run: MigrationResultSet): string[] {
  if (run.error !== undefined) {
    const failed = run.results?.find((result) => result.status === 'Error')?.migrationName ?? 'unknown';
    const cause = run.error instanceof Error ? run.error.message : String(run.error);
    throw new MigrationError(`database migration ${failed} failed: ${cause}`, { cause: run.error });
  }
  return (run.results ?? []).filter((result) => result.status === 'Success').map((result) => result.migrationName);
}

/** Applies every pending migration; returns the names applied (none when up to date). */
export async function migrateToLatest(database: Database): Promise<string[]> {
  return outcome(await (await migratorOf(database)).migrateToLatest());
}

/** Reverts the last applied migration; returns its name, or undefined when none is applied. */
export async function migrateDown(database: Database): Promise<string | undefined> {
  return outcome(await (await migratorOf(database)).migrateDown())[0];
}

export interface MigrationState {
  readonly name: string;
  /** When it was applied, or undefined while pending. */
  readonly appliedAt: Date | undefined;
}

/** Every known migration, in order, applied or pending. */
export async function migrationStatus(database: Database): Promise<MigrationState[]> {
  const known = await (await migratorOf(database)).getMigrations();
  return known.map((migration) => ({ name: migration.name, appliedAt: migration.executedAt }));
}
