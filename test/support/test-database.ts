import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Connection } from 'mysql2/promise';
import type { Client } from 'pg';
import { openDatabase, type Database, type DatabaseDriver, type DatabaseOptions } from '../../src/store/index.js';
import { makeTempDir } from './temp-dir.js';

/**
 * The engines the store runs on, and how tests reach them: SQLite files in temp directories, and
 * the PostgreSQL and MariaDB/MySQL servers on this machine (`.ci/run` starts them when down). Each
 * test database is its own: a fresh schema on PostgreSQL (CREATE SCHEMA + search_path in the
 * URL), a fresh database on MySQL, dropped by `dispose`.
 */
export type TestEngine = DatabaseDriver;

/** Admin URLs of the server engines (a `test` database on each); override with these variables. */
export const POSTGRES_TEST_URL = process.env.LLM_PROXY_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const MYSQL_TEST_URL = process.env.LLM_PROXY_TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test';

export interface TestDatabase {
  readonly engine: TestEngine;
  readonly database: Database;
  /** SQLite: the file. */
  readonly path: string;
  /** PostgreSQL and MySQL: the URL of this test's own schema or database. */
  readonly url: string | undefined;
  dispose(): Promise<void>;
}

/** A place for one test's tables on an engine, not migrated, and how to remove it. */
export interface TestDatabaseLocation {
  readonly options: DatabaseOptions;
  drop(): Promise<void>;
}

const uniqueName = (): string => `llmproxy_t_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;

async function postgresAdmin<T>(run: (client: Client) => Promise<T>): Promise<T> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: POSTGRES_TEST_URL, connectionTimeoutMillis: 3_000 });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

async function mysqlAdmin<T>(run: (connection: Connection) => Promise<T>): Promise<T> {
  const { createConnection } = await import('mysql2/promise');
  const connection = await createConnection({ uri: MYSQL_TEST_URL, connectTimeout: 3_000 });
  try {
    return await run(connection);
  } finally {
    await connection.end();
  }
}

/** A fresh, empty schema (PostgreSQL), database (MySQL) or file (SQLite). */
export async function createTestDatabaseLocation(engine: TestEngine): Promise<TestDatabaseLocation> {
  const name = uniqueName();
  switch (engine) {
    case 'sqlite': {
      const temp = makeTempDir('llm-proxy-db-');
      return { options: { driver: 'sqlite', path: join(temp.dir, 'test.db') }, drop: async () => temp.remove() };
    }
    case 'postgres': {
      await postgresAdmin((client) => client.query(`create schema ${name}`));
      const url = new URL(POSTGRES_TEST_URL);
      url.searchParams.set('options', `-c search_path=${name}`);
      return { options: { driver: 'postgres', url: url.toString() }, drop: async () => void (await postgresAdmin((client) => client.query(`drop schema if exists ${name} cascade`))) };
    }
    case 'mysql': {
      await mysqlAdmin((connection) => connection.query(`create database ${name}`));
      const url = new URL(MYSQL_TEST_URL);
      url.pathname = `/${name}`;
      return { options: { driver: 'mysql', url: url.toString() }, drop: async () => void (await mysqlAdmin((connection) => connection.query(`drop database if exists ${name}`))) };
    }
  }
}

/** The flags that point an `llm-proxy migrate …` command at a test location. */
export function migrateFlags(location: TestDatabaseLocation): string[] {
  const { driver, path, url } = location.options;
  return driver === 'sqlite' ? ['--db', path ?? ''] : ['--driver', driver, '--database-url', url ?? ''];
}

/** A migrated database of its own on `engine` (SQLite by default), and a function that closes and removes it. */
export async function openTestDatabase(
  options: Pick<DatabaseOptions, 'lockTimeoutMs'> & { readonly engine?: TestEngine } = {},
): Promise<TestDatabase> {
  const engine = options.engine ?? 'sqlite';
  const location = await createTestDatabaseLocation(engine);
  let database: Database;
  try {
    database = await openDatabase({ ...location.options, ...(options.lockTimeoutMs !== undefined && { lockTimeoutMs: options.lockTimeoutMs }) });
  } catch (error) {
    await location.drop();
    throw error;
  }
  return {
    engine,
    database,
    path: location.options.path ?? '',
    url: location.options.url,
    async dispose() {
      await database.close();
      await location.drop();
    },
  };
}

const ENGINE_NAMES: Readonly<Record<TestEngine, string>> = { sqlite: 'SQLite', postgres: 'PostgreSQL', mysql: 'MySQL/MariaDB' };

async function reachability(engine: TestEngine): Promise<string | undefined> {
  try {
    if (engine === 'postgres') await postgresAdmin((client) => client.query('select 1'));
    if (engine === 'mysql') await mysqlAdmin((connection) => connection.query('select 1'));
    return undefined;
  } catch (error) {
    const where = new URL(engine === 'postgres' ? POSTGRES_TEST_URL : MYSQL_TEST_URL);
    return `${ENGINE_NAMES[engine]} at ${where.host}${where.pathname} is unreachable: ${(error as Error).message}`;
  }
}

const checked = new Map<TestEngine, Promise<string | undefined>>();

/**
 * Why the engine cannot be used by the tests, or undefined when it answers. With CI=true an
 * unreachable engine throws (the tests fail, never skip); elsewhere the reason is printed.
 */
export async function engineUnavailable(engine: TestEngine): Promise<string | undefined> {
  if (engine === 'sqlite') return undefined;
  let check = checked.get(engine);
  if (check === undefined) {
    check = reachability(engine);
    checked.set(engine, check);
  }
  const reason = await check;
  if (reason !== undefined && process.env.CI === 'true') throw new Error(`${ENGINE_NAMES[engine]} is required when CI=true: ${reason}`);
  if (reason !== undefined) console.log(`Skipping ${ENGINE_NAMES[engine]} tests: ${reason}`);
  return reason;
}

export interface EngineUnderTest {
  readonly engine: TestEngine;
  readonly name: string;
  /** Why its tests are skipped, or undefined. */
  readonly unavailable: string | undefined;
}

/** Every engine, with whether it can be tested here: `for (const e of await enginesUnderTest()) describe.skipIf(e.unavailable)(…)`. */
export async function enginesUnderTest(engines: readonly TestEngine[] = ['sqlite', 'postgres', 'mysql']): Promise<EngineUnderTest[]> {
  return Promise.all(engines.map(async (engine) => ({ engine, name: ENGINE_NAMES[engine], unavailable: await engineUnavailable(engine) })));
}
