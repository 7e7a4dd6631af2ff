import { join } from 'node:path';
import { openDatabase, type Database, type DatabaseOptions } from '../../src/store/index.js';
import { makeTempDir } from './temp-dir.js';

/** A migrated SQLite database in a fresh temp file, and a function that closes and removes it. */
export async function openTestDatabase(
  options: Pick<DatabaseOptions, 'lockTimeoutMs'> = {},
): Promise<{ database: Database; path: string; dispose: () => Promise<void> }> {
  const temp = makeTempDir('llm-proxy-db-');
  const path = join(temp.dir, 'test.db');
  const database = await openDatabase({ driver: 'sqlite', path, ...options });
  return {
    database,
    path,
    async dispose() {
      await database.close();
      temp.remove();
    },
  };
}
