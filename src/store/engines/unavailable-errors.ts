import type { DatabaseConnection, Dialect, Driver, QueryResult, TransactionSettings } from 'kysely';
import { DatabaseUnavailableError, isConnectionError } from '../errors.js';

const DRIVER_CONNECTION = Symbol('driver connection');
type WrappedConnection = DatabaseConnection & { readonly [DRIVER_CONNECTION]: DatabaseConnection };

/**
 * Wraps a server engine's dialect so that a lost or refused connection surfaces as
 * DatabaseUnavailableError (503 `service_unavailable`) from every query, whichever module ran it;
 * other driver errors (constraint violations, bad SQL) pass through untouched.
 */
export function withUnavailableErrors(dialect: Dialect, where: string): Dialect {
  const translate = (error: unknown): never => {
    throw isConnectionError(error) && !(error instanceof DatabaseUnavailableError) ? new DatabaseUnavailableError(where, error) : error;
  };
  const guard = async <T>(run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (error) {
      return translate(error);
    }
  };
  // Kysely hands the connection it acquired back to the driver: the wrapper carries the driver's own.
  const wrapConnection = (connection: DatabaseConnection): WrappedConnection => ({
    executeQuery: (query) => guard<QueryResult<never>>(() => connection.executeQuery(query)),
    streamQuery: (query, chunkSize) => connection.streamQuery(query, chunkSize),
    [DRIVER_CONNECTION]: connection,
  });
  const original = (connection: DatabaseConnection): DatabaseConnection => (connection as Partial<WrappedConnection>)[DRIVER_CONNECTION] ?? connection;

  return {
    createAdapter: () => dialect.createAdapter(),
    createQueryCompiler: () => dialect.createQueryCompiler(),
    createIntrospector: (db) => dialect.createIntrospector(db),
    createDriver(): Driver {
      const driver = dialect.createDriver();
      return {
        init: () => guard(() => driver.init()),
        acquireConnection: async () => wrapConnection(await guard(() => driver.acquireConnection())),
        beginTransaction: (connection, settings: TransactionSettings) => guard(() => driver.beginTransaction(original(connection), settings)),
        commitTransaction: (connection) => guard(() => driver.commitTransaction(original(connection))),
        rollbackTransaction: (connection) => guard(() => driver.rollbackTransaction(original(connection))),
        releaseConnection: (connection) => driver.releaseConnection(original(connection)),
        destroy: () => driver.destroy(),
      };
    },
  };
}
