import { MysqlAdapter, type Kysely } from 'kysely';

/**
 * True on MySQL/MariaDB, where a migration must differ: InnoDB ignores a REFERENCES clause written
 * on the column, so foreign keys are table constraints there. Every other statement is the same
 * on the three engines (SQLite files migrated before MySQL existed keep their schema).
 */
export function isMysql(db: Kysely<unknown>): boolean {
  return db.getExecutor().adapter instanceof MysqlAdapter;
}
