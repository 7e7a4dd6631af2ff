import { CompiledQuery, SqliteAdapter, type Dialect, type Driver } from 'kysely';

/** SQLite runs DDL in transactions: Kysely's Migrator then runs each whole migration run in one. */
class TransactionalDdlSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}

/**
 * Kysely's SQLite dialect with every transaction begun `BEGIN IMMEDIATE`: it takes the write lock
 * at once (every transaction in store/ writes). A deferred one that reads first and writes later
 * can find the lock taken by another process in between and fail with SQLITE_BUSY_SNAPSHOT,
 * which no waiting cures. It also makes a write meeting another process's lock fail at BEGIN,
 * where `Database.write()` retries it. And Kysely takes no migration lock on SQLite and runs its
 * migrations outside a transaction there: with transactional DDL declared, the whole run is one
 * `BEGIN IMMEDIATE` transaction, so of two processes migrating one file at once the second waits
 * (busy_timeout, at start) and then finds nothing left to do.
 */
export function withImmediateTransactions(dialect: Dialect): Dialect {
  return {
    createAdapter: () => new TransactionalDdlSqliteAdapter(),
    createQueryCompiler: () => dialect.createQueryCompiler(),
    createIntrospector: (db) => dialect.createIntrospector(db),
    createDriver(): Driver {
      const driver = dialect.createDriver();
      return {
        init: () => driver.init(),
        acquireConnection: () => driver.acquireConnection(),
        async beginTransaction(connection) {
          await connection.executeQuery(CompiledQuery.raw('begin immediate'));
        },
        commitTransaction: (connection) => driver.commitTransaction(connection),
        rollbackTransaction: (connection) => driver.rollbackTransaction(connection),
        releaseConnection: (connection) => driver.releaseConnection(connection),
        destroy: () => driver.destroy(),
      };
    },
  };
}
