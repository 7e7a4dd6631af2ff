import type { Database } from './database.js';

/** A project's id and its API key as stored: what a rewrite of the stored keys sees. */
export interface StoredProjectKey {
  readonly id: string;
  readonly storedApiKey: string;
}

export interface ProjectKeyRewrite {
  /** Rows whose stored key was replaced. */
  readonly rewritten: number;
  /** Rows `rewrite` left as they were (returned undefined). */
  readonly unchanged: number;
}

/**
 * Replaces the stored API key of every project with what `rewrite` returns for it (undefined:
 * leave it), all in one transaction: when `rewrite` throws for any row, nothing is written and
 * the error goes to the caller. The rows are locked while it runs (SQLite: the write lock of
 * `BEGIN IMMEDIATE`; PostgreSQL and MySQL: `SELECT … FOR UPDATE`), so a project updated meanwhile
 * through the API waits for the end instead of being overwritten. `updated_at` is left alone:
 * the key a project sends upstream does not change, only its sealing.
 */
export async function rewriteProjectKeys(database: Database, rewrite: (project: StoredProjectKey) => string | undefined): Promise<ProjectKeyRewrite> {
  const { db, dialect } = database;
  return database.write(() =>
    db.transaction().execute(async (trx) => {
      const query = trx.selectFrom('projects').select(['id', 'api_key']).orderBy('id');
      const rows = await (dialect === 'sqlite' ? query : query.forUpdate()).execute();
      const replacements = rows.flatMap((row) => {
        const replacement = rewrite({ id: row.id, storedApiKey: row.api_key });
        return replacement === undefined || replacement === row.api_key ? [] : [{ id: row.id, apiKey: replacement }];
      });
      for (const { id, apiKey } of replacements) await trx.updateTable('projects').set({ api_key: apiKey }).where('id', '=', id).execute();
      return { rewritten: replacements.length, unchanged: rows.length - replacements.length };
    }),
  );
}
